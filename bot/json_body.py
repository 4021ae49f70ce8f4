"""A request body read as JSON, the one way every entry point reads one (the gateways'
webhooks, the JSON API): anything that is not usable JSON is `UnreadableJson`, which each
edge answers as its 400, never a 500.

Two valid-looking bodies break a plain `json.loads` further in: one nested a few thousand
levels deep raises RecursionError (not a ValueError), and a lone surrogate such as
"\\ud800" is valid JSON but no text, so it cannot be stored or hashed.
"""

from __future__ import annotations

import json
import re
from typing import Any

_SURROGATE_ESCAPE = re.compile(rb"\\[uU][dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class UnreadableJson(ValueError):
    """The body is not JSON, or not JSON this service can hold; the message says which."""


def parse_json(body: bytes) -> Any:
    """The body's JSON value, lone surrogates replaced by U+FFFD; UnreadableJson otherwise."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise UnreadableJson("body is not JSON") from exc
    except RecursionError as exc:
        raise UnreadableJson("body is nested too deeply") from exc
    # The bytes test keeps the walk off ordinary bodies (an escaped emoji pair is harmless too).
    if _SURROGATE_ESCAPE.search(body):
        try:
            data = _without_lone_surrogates(data)
        except RecursionError as exc:
            raise UnreadableJson("body is nested too deeply") from exc
    return data


def _without_lone_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_without_lone_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {_without_lone_surrogates(k): _without_lone_surrogates(v) for k, v in value.items()}
    return value
