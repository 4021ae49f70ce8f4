"""The registration answers collected so far, kept in the conversation row under
`data["registration"]` (so a customer can leave, come back and resume)."""

from __future__ import annotations

from typing import Any

from ispbot.flows.turn import Turn

KEY = "registration"


def answers(turn: Turn) -> dict[str, Any]:
    return dict((turn.conversation.data or {}).get(KEY) or {})


def remember(turn: Turn, **values: Any) -> None:
    data = dict(turn.conversation.data or {})
    draft = dict(data.get(KEY) or {})
    draft.update(values)
    data[KEY] = draft
    turn.conversation.data = data


def forget(turn: Turn, *names: str) -> None:
    data = dict(turn.conversation.data or {})
    draft = dict(data.get(KEY) or {})
    for name in names:
        draft.pop(name, None)
    data[KEY] = draft
    turn.conversation.data = data
