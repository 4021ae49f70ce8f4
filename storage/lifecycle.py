"""The registration lifecycle as a state machine (`transitions`), defined once and used
alike by the chat, the admin, the API and the scheduler:

    pending_verification ─verify─▶ verified ─schedule_survey─▶ survey_scheduled
        ─complete_survey─▶ survey_completed ─approve─▶ approved ─create_customer─▶ customer_created
    reject: from any status before approved → rejected
    cancel: by the customer, from any status before approved → cancelled
    schedule_survey is also allowed again from survey_scheduled (reschedule)
"""

from __future__ import annotations

from enum import StrEnum

from transitions import Machine


class Status(StrEnum):
    PENDING_VERIFICATION = "pending_verification"
    VERIFIED = "verified"
    SURVEY_SCHEDULED = "survey_scheduled"
    SURVEY_COMPLETED = "survey_completed"
    APPROVED = "approved"
    REJECTED = "rejected"
    CUSTOMER_CREATED = "customer_created"
    CANCELLED = "cancelled"


class Action(StrEnum):
    VERIFY = "verify"
    SCHEDULE_SURVEY = "schedule_survey"
    COMPLETE_SURVEY = "complete_survey"
    APPROVE = "approve"
    REJECT = "reject"
    CREATE_CUSTOMER = "create_customer"
    CANCEL = "cancel"


BEFORE_APPROVAL = [
    Status.PENDING_VERIFICATION,
    Status.VERIFIED,
    Status.SURVEY_SCHEDULED,
    Status.SURVEY_COMPLETED,
]
ACTIVE = [*BEFORE_APPROVAL, Status.APPROVED]  # a registration that still counts as open

TRANSITIONS = [
    {"trigger": Action.VERIFY, "source": Status.PENDING_VERIFICATION, "dest": Status.VERIFIED},
    {"trigger": Action.SCHEDULE_SURVEY, "source": [Status.VERIFIED, Status.SURVEY_SCHEDULED], "dest": Status.SURVEY_SCHEDULED},
    {"trigger": Action.COMPLETE_SURVEY, "source": Status.SURVEY_SCHEDULED, "dest": Status.SURVEY_COMPLETED},
    {"trigger": Action.APPROVE, "source": [Status.VERIFIED, Status.SURVEY_COMPLETED], "dest": Status.APPROVED},
    {"trigger": Action.CREATE_CUSTOMER, "source": Status.APPROVED, "dest": Status.CUSTOMER_CREATED},
    {"trigger": Action.REJECT, "source": BEFORE_APPROVAL, "dest": Status.REJECTED},
    {"trigger": Action.CANCEL, "source": BEFORE_APPROVAL, "dest": Status.CANCELLED},
]

# One machine for every registration: it only answers "where does this action lead?".
# (States and triggers are given as plain strings: transitions names Enum states by name.)
_MACHINE = Machine(
    model=None,
    states=[s.value for s in Status],
    transitions=[
        {
            "trigger": t["trigger"].value,
            "source": [s.value for s in t["source"]] if isinstance(t["source"], list) else t["source"].value,
            "dest": t["dest"].value,
        }
        for t in TRANSITIONS
    ],
    initial=Status.PENDING_VERIFICATION.value,
    auto_transitions=False,
)

# The seed's 5-step timeline (tracking page and chat).
TIMELINE = [
    Status.PENDING_VERIFICATION,
    Status.VERIFIED,
    Status.SURVEY_SCHEDULED,
    Status.SURVEY_COMPLETED,
    Status.APPROVED,
]


class TransitionRefused(Exception):
    """The action is not allowed in the registration's current status."""

    def __init__(self, action: Action, status: str) -> None:
        super().__init__(f"{action.value} is not allowed while the registration is {status}")
        self.action = action
        self.status = status


def next_status(status: str, action: Action) -> Status:
    transitions = _MACHINE.get_transitions(trigger=action.value, source=str(status))
    if not transitions:
        raise TransitionRefused(action, status)
    return Status(transitions[0].dest)


def allowed_actions(status: str) -> list[Action]:
    return [Action(t) for t in _MACHINE.get_triggers(str(status)) if t in {a.value for a in Action}]


def timeline_position(status: str) -> int:
    """How many of the 5 timeline steps are done (customer_created counts as all)."""
    if status == Status.CUSTOMER_CREATED:
        return len(TIMELINE)
    if status in TIMELINE:
        return TIMELINE.index(Status(status)) + 1
    return 0
