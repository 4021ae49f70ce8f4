"""A guard against CPython 3.11's "AST constructor recursion depth mismatch".

hypothesis names the lambdas of strategies (its own and schemathesis's) for their reprs by
parsing the lambda's source with `ast`. Deep inside a long test run, that parse can raise
the interpreter's SystemError (a CPython 3.11 bug, not one of ours); CI saw it once in the
schemathesis test. A lambda's name is only decoration, so that parse failing gives a
placeholder name instead of failing a test."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis.internal import filtering, lambda_sources

PLACEHOLDER = "lambda: <unknown>"


def tolerant(describe: Callable[[Any], str]) -> Callable[[Any], str]:
    def description(f: Any) -> str:
        try:
            return describe(f)
        except SystemError:
            return PLACEHOLDER
    return description


def install() -> None:
    """Wrap both places hypothesis calls the lambda describer from (once per test run)."""
    if getattr(lambda_sources.lambda_description, "__wrapped_by_ispbot__", False):
        return
    safe = tolerant(lambda_sources.lambda_description)
    safe.__wrapped_by_ispbot__ = True  # type: ignore[attr-defined]
    lambda_sources.lambda_description = safe
    filtering.lambda_description = safe
