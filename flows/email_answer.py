"""An email address typed in the chat, as the registration and the profile read it: a
likely typo (`gmial.com`) is answered with the suggestion, and a yes (*ya*, "iya bener")
takes it, as a customer on a phone would rather reply than type the address again."""

from __future__ import annotations

from ispbot.flows.answers import is_no, is_yes
from ispbot.flows.engine import Retry
from ispbot.flows.registration_draft import answers, forget, remember
from ispbot.flows.turn import Turn
from ispbot.storage.contact_fields import validate_email, validate_name

SUGGESTED = "_email_suggestion"


def read_email(turn: Turn) -> str | Retry:
    """The valid address, or the Retry that says what is wrong (and remembers a suggestion)."""
    suggested = answers(turn).get(SUGGESTED)
    if suggested and is_no(turn.text):  # "Apakah maksud Anda …?" — "bukan"
        forget(turn, SUGGESTED)
        return Retry("reg_bad_email", {"typed": turn.text[:80], "declined": True, "suggestion": None, "name_like": False})
    typed = suggested if suggested and is_yes(turn.text) else turn.text
    checked = validate_email(typed)
    if not checked.ok or checked.value is None:
        remember(turn, **{SUGGESTED: checked.suggestion})
        return Retry("reg_bad_email", {"typed": turn.text[:80], "suggestion": checked.suggestion,
                                       "name_like": _looks_like_name(turn.text), "declined": False})
    forget(turn, SUGGESTED)
    return checked.value


def _looks_like_name(text: str) -> bool:
    """"Rudi Hartono" typed at the email question: most likely the name again, corrected;
    the answer then says how to go back to it."""
    return 2 <= len(text.split()) <= 5 and validate_name(text).ok and not is_yes(text) and not is_no(text)
