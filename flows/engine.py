"""How a flow runs. A flow is a `transitions` machine, defined once per flow (not per
phone), plus for each state a Question: how to ask it and how to read the answer. The
contact's place and answers live in the conversation row:

    conversation.flow  = "registration"
    conversation.state = "ASK_EMAIL"
    conversation.data  = {"registration": {"full_name": …, "_history": [...], "_edit": …}}

An answer handler returns `Next(trigger)` (the machine says where that leads) or
`Retry(template)` (say what is wrong, ask again; earlier answers are kept) or `Stay()` (the
handler answered itself: a read answer, so the count of unreadable ones starts again).

An answer a question could not read at all (not a date, none of the choices) is a format
mistake, not a lost customer: the second one in a row brings the question's help, the
third an offer of CS ("ketik *cs*"). A flow never hands the chat over by itself: the
customer stays at the question, so the next answer it can read is read.

A flow acting for someone (a portal flow, for the customer it was started for) has a
`guard`, checked before every question is asked or answered: when it fails, the guard has
dropped the draft and said why, and the flow goes no further.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from transitions import Machine

from ispbot.flows import handoff
from ispbot.flows.answers import is_skip
from ispbot.flows.courtesy_words import acknowledgement
from ispbot.flows.turn import Turn
from ispbot.providers.messages import Choice, InboundKind
from ispbot.storage import conversations


@dataclass(frozen=True)
class Next:
    trigger: str
    # False: the handler has already said what the next question needs ("the code sent
    # earlier still works, type it here"), so it is not asked on top of that.
    ask: bool = True


@dataclass(frozen=True)
class Retry:
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    ask_again: bool = True
    # The answer could not be read at all (not one of the choices, not a date), as opposed
    # to read but wrong (a bad NIK): in a row, they bring the help, then an offer of CS.
    unreadable: bool = False
    # Offered with the message (a short "yes or no?" with the question's buttons), for a
    # question whose full text is too long to send again.
    choices: tuple[Choice, ...] = ()


@dataclass(frozen=True)
class Stay:
    """The handler already said what to say (e.g. offered suggestions); stay here."""


Answer = Next | Retry | Stay
Asker = Callable[[Turn], Awaitable[None]]
Reader = Callable[[Turn], Awaitable[Answer]]


@dataclass(frozen=True)
class Question:
    ask: Asker
    read: Reader
    help: str | None = None  # template explaining the question (bantuan/help)
    # The answer has a format of its own (a date, one of the choices): a message that reads
    # as one is an answer, even sent while the customer waits for CS (flows/handoff.py).
    formatted: bool = False
    # Any text is an answer (a name, a street, notes): a message that only thanks or says
    # "ok" ("makasih", "sip", "👍") is none, and the question is asked again (flows/courtesy_words.py).
    free_text: bool = False


@dataclass(frozen=True)
class EditGroup:
    """Fields edited together from the summary: the states from `first` to `last`; the
    chat returns to the summary as soon as it would leave them."""

    title_id: str
    title_en: str
    first: str
    last: str


# In the draft: the answers as they were when a change from the summary began; the
# bookkeeping of asking, which is not kept with them; the summary's list of fields is showing.
_BEFORE_EDIT = "_before_edit"
_REQUIRED = "_edit_required"  # the answer kept no longer stands: the change cannot be given up
# Where the chat returns once the answers being given again are complete: the summary, or
# the question a change was started from before the summary (`edit(back_to=…)`).
_RETURN = "_return_to"
_ASKING = frozenset({"_state", "_asked_at", "_refused", "_edit", _BEFORE_EDIT, _REQUIRED, _RETURN})
EDIT_LIST = "_edit_list"

# Unreadable answers in a row at one question: from this many the question's help comes
# with the reprompt, and from this many CS is offered (never imposed).
HELP_AFTER = 2
OFFER_CS_AFTER = 3


# A greeting inside a flow: not "pagi" (a time slot), "p" or "mulai", which answer questions.
_GREETINGS = frozenset({"halo", "hallo", "hai", "hi", "hello", "assalamualaikum", "selamat pagi", "selamat siang",
                        "selamat sore", "selamat malam"})


def _greets(text: str) -> bool:
    from ispbot.flows.answers import short_answer

    plain = " ".join(text.lower().replace("!", " ").split())
    return plain in _GREETINGS or short_answer(text) in _GREETINGS


class Flow:
    def __init__(
        self,
        name: str,
        *,
        states: list[str],
        transitions: list[dict[str, Any]],
        questions: Mapping[str, Question],
        summary_state: str | None = None,
        edit_groups: Mapping[str, EditGroup] | None = None,
        on_finish: Callable[[Turn], Awaitable[None]] | None = None,
        aside: Callable[[Turn], Awaitable[bool]] | None = None,
        guard: Callable[[Turn], Awaitable[bool]] | None = None,
    ) -> None:
        self.name = name
        self.states = list(states)
        self.initial = states[0]
        self.machine = Machine(
            model=None, states=states, transitions=transitions, initial=states[0], auto_transitions=False
        )
        self.questions = dict(questions)
        self.summary_state = summary_state
        self.edit_groups = dict(edit_groups or {})
        # Text that answers no question of the flow (a menu word), dealt with before the
        # question reads it: True when it was.
        self.aside = aside
        self.guard = guard
        missing = [s for s in states if s not in self.questions]
        if missing:
            raise ValueError(f"flow {name}: no question for {missing}")

    # -- the contact's draft -------------------------------------------------------------
    def draft(self, turn: Turn) -> dict[str, Any]:
        data = dict(turn.conversation.data or {})
        draft = dict(data.get(self.name) or {})
        return draft

    def save(self, turn: Turn, draft: dict[str, Any]) -> None:
        data = dict(turn.conversation.data or {})
        data[self.name] = draft
        turn.conversation.data = data  # a new dict, so the JSON column is seen as changed

    def drop(self, turn: Turn) -> None:
        data = dict(turn.conversation.data or {})
        data.pop(self.name, None)
        turn.conversation.data = data

    def has_draft(self, turn: Turn) -> bool:
        return bool((turn.conversation.data or {}).get(self.name))

    # -- moving ----------------------------------------------------------------------------
    def destination(self, state: str, trigger: str) -> str:
        found = self.machine.get_transitions(trigger=trigger, source=state)
        if not found:
            raise ValueError(f"flow {self.name}: no transition {trigger!r} from {state}")
        return str(found[0].dest)

    async def start(self, turn: Turn, *, resume: bool = False) -> None:
        turn.conversation.flow = self.name
        draft = self.draft(turn) if resume else {}
        state = draft.get("_state", self.initial) if resume else self.initial
        draft.setdefault("_history", [])
        draft["_state"] = state
        self.save(turn, draft)
        await self.enter(turn, state)

    async def may_go_on(self, turn: Turn) -> bool:
        """The guard's word: False when the flow may not take another step (see above)."""
        return self.guard is None or await self.guard(turn)

    async def enter(self, turn: Turn, state: str, *, ask: bool = True) -> None:
        if not await self.may_go_on(turn):
            return
        turn.conversation.state = state
        draft = self.draft(turn)
        draft["_state"] = state
        draft["_asked_at"], draft["_refused"] = turn.now.isoformat(), 0
        self.save(turn, draft)
        conversations.record_event(turn.session, turn.conversation, "asked", turn.now, state)
        if ask:
            await self.questions[state].ask(turn)

    def _refused(self, turn: Turn, state: str) -> None:
        conversations.record_event(turn.session, turn.conversation, "reprompt", turn.now, state)
        draft = self.draft(turn)
        if draft:
            draft["_refused"] = int(draft.get("_refused") or 0) + 1
            self.save(turn, draft)

    def _answered(self, turn: Turn, state: str, asked: dict[str, Any]) -> None:
        """The answer to `state` was accepted: recorded with the seconds it took since the
        question was asked and the answers refused in between (for the funnel)."""
        asked_at = asked.get("_asked_at")
        seconds = (turn.now - datetime.fromisoformat(asked_at)).total_seconds() if asked_at else None
        conversations.record_event(turn.session, turn.conversation, "answered", turn.now, state,
                                   seconds=seconds, retries=asked.get("_refused"), flow=self.name)

    async def handle(self, turn: Turn) -> None:
        if not await self.may_go_on(turn):
            return
        state = turn.conversation.state
        question = self.questions.get(state)
        if question is None:  # a state this version no longer has: start over politely
            await self.start(turn)
            return
        asked = self.draft(turn)  # when it was asked, answers refused since (the handler may drop the draft)
        message = turn.message
        if message.kind is InboundKind.CHOICE and not (message.choice_id or "").startswith(f"{state}:"):
            answer: Answer = Retry("stale_choice")  # a button of an earlier question
        elif message.kind is InboundKind.TEXT and _greets(message.text):
            # "halo kak" coming back to the chat is no answer ("Halo Kak" was saved as the
            # name, the street): greeted back, and asked again.
            turn.say("flow_greeting")
            await question.ask(turn)
            return
        elif question.free_text and message.kind is InboundKind.TEXT \
                and (said := acknowledgement(message.text)) is not None:
            # "makasih" was saved as the name, "sip" as the landmark: a kind word back, and
            # the question again, every answer kept.
            answer = Retry("flow_courtesy", {"said": said})
        elif message.kind in (InboundKind.TEXT, InboundKind.CHOICE) and self.aside is not None \
                and await self.aside(turn):
            return  # not an answer: nothing saved, nothing counted for the funnel
        else:
            answer = await question.read(turn)
        if isinstance(answer, Stay):
            if turn.conversation.flow == self.name and turn.conversation.state == state:
                self._refused(turn, state)
            else:
                self._answered(turn, state, asked)
            handoff.understood(turn)  # the handler read the message and answered it
            return
        if isinstance(answer, Retry):
            self._refused(turn, state)
            if answer.unreadable and is_skip(turn.text):
                # "lewati" to a question that cannot be skipped: understood, just not possible.
                answer = Retry("cannot_skip")
            self._reprompt(turn, question, answer)
            if answer.ask_again:
                await question.ask(turn)
            return
        self._answered(turn, state, asked)
        handoff.understood(turn)
        if turn.conversation.flow != self.name:  # the handler finished or switched flows
            return
        await self.advance(turn, state, answer.trigger, ask=answer.ask)

    def _reprompt(self, turn: Turn, question: Question, answer: Retry) -> None:
        """What is wrong with the answer; when the question's format keeps being missed, its
        help too, then the offer of CS (see above)."""
        if answer.unreadable:
            tries = handoff.misread(turn)
        else:
            tries = 0
            handoff.understood(turn)
        more = [question.help] if tries >= HELP_AFTER and question.help else []
        if tries >= OFFER_CS_AFTER:
            more.append("flow_offer_cs")
        if answer.choices:  # the buttons last, where the customer answers them
            for template in more:
                turn.say(template)
            turn.ask(answer.template, list(answer.choices), **answer.context)
            return
        turn.say(answer.template, **answer.context)
        for template in more:
            turn.say(template)

    async def reads_as_answer(self, turn: Turn) -> bool:
        """Whether the question waiting for an answer, if it has a format of its own, would
        take this message. Tried only: nothing it saves or says is kept."""
        question = self.questions.get(turn.conversation.state)
        message = turn.message
        if question is None or not question.formatted or message.kind not in (InboundKind.TEXT, InboundKind.CHOICE):
            return False
        if message.kind is InboundKind.CHOICE and not (message.choice_id or "").startswith(f"{turn.conversation.state}:"):
            return False
        if message.kind is InboundKind.TEXT and _greets(message.text):
            return False
        conversation = turn.conversation
        kept = (conversation.data, conversation.flow, conversation.state, len(turn.replies))
        try:
            answer = await question.read(turn)
        finally:
            conversation.data, conversation.flow, conversation.state = kept[:3]
            del turn.replies[kept[3]:]
        return isinstance(answer, Next)

    async def advance(self, turn: Turn, state: str, trigger: str, *, ask: bool = True) -> None:
        target = self.destination(state, trigger)
        draft = self.draft(turn)
        editing, returning = draft.get("_edit"), draft.get(_RETURN)
        if (editing or returning) and self.summary_state:
            # A change from the summary, or answers given again after "kembali" there: the
            # group of answers that go together (a new city asks its kecamatan again), then
            # back to where the customer was, the later answers as they were.
            group = self.edit_groups[editing] if editing else self._group_of(state)
            inside = self._states_of(group) if group else [state]
            if target not in inside:  # the change is complete: kept
                draft.pop("_edit", None)
                draft.pop(_BEFORE_EDIT, None)
                draft.pop(_REQUIRED, None)
                draft.pop(_RETURN, None)
                target = returning or self.summary_state
                ask = True  # the summary is shown whatever the handler said
        history = list(draft.get("_history", []))
        history.append(state)
        draft["_history"] = history[-40:]
        self.save(turn, draft)
        await self.enter(turn, target, ask=ask)

    def _states_of(self, group: EditGroup) -> list[str]:
        return self.states[self.states.index(group.first) : self.states.index(group.last) + 1]

    def _group_of(self, state: str) -> EditGroup | None:
        return next((g for g in self.edit_groups.values() if state in self._states_of(g)), None)

    async def back(self, turn: Turn) -> bool:
        """To the previous question, answers kept. False at the first question. Back from
        the first question of a change made from the summary: the change is given up. Back
        from the summary: the last question, and once it is answered again (or any earlier
        one "kembali" goes on to), the summary again, not every later question."""
        draft = self.draft(turn)
        history = list(draft.get("_history", []))
        before = draft.get(_BEFORE_EDIT)
        undoable = self.editing(turn) and not draft.get(_REQUIRED)
        if undoable and (before is None or len(history) <= len(before.get("_history", []))):
            return await self.cancel_edit(turn)
        if not history:
            return False
        if turn.conversation.state == self.summary_state:
            draft[_RETURN] = self.summary_state
        previous = history.pop()
        draft["_history"] = history
        self.save(turn, draft)
        conversations.record_event(turn.session, turn.conversation, "back", turn.now, turn.conversation.state,
                                   flow=self.name)
        await self.enter(turn, previous)
        return True

    async def edit(self, turn: Turn, group_key: str, *, required: bool = False, back_to: str | None = None) -> None:
        """Change one group of answers from the summary. The answers as they were are kept
        aside until the change is complete, so that giving it up half-way (a new number
        whose code never came) leaves them as they were. `required`: they no longer stand
        (a date now past), so the change cannot be given up; "batal" then cancels.
        `back_to`: the question the change was asked for at, before the summary ("ubah
        data" at the date question), where the chat returns instead of the summary."""
        group = self.edit_groups[group_key]
        draft = self.draft(turn)
        draft[_BEFORE_EDIT] = {k: v for k, v in draft.items() if k not in _ASKING}
        draft.pop(_REQUIRED, None)
        draft.pop(_RETURN, None)
        if required:
            draft[_REQUIRED] = True
        if back_to is not None:
            draft[_RETURN] = back_to
        draft["_edit"] = group_key
        self.save(turn, draft)
        await self.enter(turn, group.first)

    def editing(self, turn: Turn) -> bool:
        """An answer is being changed from the summary, or the list of them is showing."""
        draft = self.draft(turn)
        at_list = turn.conversation.state == self.summary_state and bool(draft.get(EDIT_LIST))
        return self.summary_state is not None and (bool(draft.get("_edit")) or at_list)

    async def cancel_edit(self, turn: Turn) -> bool:
        """Give up the change under way ("batal", or "kembali" from its first question):
        the answers as they were before it, and the summary again. False when none is."""
        draft = self.draft(turn)
        if not self.editing(turn) or draft.get(_REQUIRED) or self.summary_state is None:
            return False
        before, returning = draft.get(_BEFORE_EDIT), draft.get(_RETURN)
        if before is not None:
            draft = dict(before)
        draft.pop("_edit", None)
        draft.pop(_RETURN, None)
        self.save(turn, draft)
        turn.say("edit_cancelled")
        await self.enter(turn, returning or self.summary_state)
        return True

    async def help(self, turn: Turn) -> None:
        if not await self.may_go_on(turn):
            return
        question = self.questions[turn.conversation.state]
        turn.say(question.help or "help_generic")
        await question.ask(turn)

    async def reask(self, turn: Turn) -> None:
        if not await self.may_go_on(turn):
            return
        await self.questions[turn.conversation.state].ask(turn)
