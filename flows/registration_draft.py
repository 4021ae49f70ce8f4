"""The registration answers collected so far, kept in the conversation row under
`data["registration"]` (so a customer can leave, come back and resume). The profile flow
asks the same address questions and keeps its answers under `data["profile"]`."""

from __future__ import annotations

from typing import Any

from ispbot.flows.turn import Turn

KEY = "registration"
SHARING = ("registration", "profile")  # the flows whose questions read and write these answers


def _key(turn: Turn) -> str:
    flow = turn.conversation.flow
    return flow if flow in SHARING else KEY


def answers(turn: Turn) -> dict[str, Any]:
    return dict((turn.conversation.data or {}).get(_key(turn)) or {})


def remember(turn: Turn, **values: Any) -> None:
    data = dict(turn.conversation.data or {})
    draft = dict(data.get(_key(turn)) or {})
    draft.update(values)
    data[_key(turn)] = draft
    turn.conversation.data = data


def forget(turn: Turn, *names: str) -> None:
    data = dict(turn.conversation.data or {})
    draft = dict(data.get(_key(turn)) or {})
    for name in names:
        draft.pop(name, None)
    data[_key(turn)] = draft
    turn.conversation.data = data
