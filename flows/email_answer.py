"""An email address typed in the chat, as the registration and the profile read it: a
likely typo (`gmial.com`) is answered with the suggestion, and a yes (*ya*, "iya bener")
takes it, as a customer on a phone would rather reply than type the address again. The
suggestion, and the answer to a *bukan*, each say how to answer: one message, without the
question asked again under it."""

from __future__ import annotations

from ispbot.flows.answers import is_no, is_skip, is_yes, words_of
from ispbot.flows.engine import Retry
from ispbot.flows.registration_draft import answers, forget, remember
from ispbot.flows.turn import Turn
from ispbot.storage.contact_fields import validate_email, validate_name

SUGGESTED = "_email_suggestion"

_EMAIL_WORDS = {"email", "e", "mail", "imel", "emel", "surel", "gmail"}
_NOT = {"tidak", "tdk", "ga", "gak", "gk", "nggak", "ngga", "enggak", "engga", "ndak", "kagak", "belum", "blm", "blum",
        "no", "dont", "don't", "gapunya", "gaada"}
_HAVE = {"punya", "ada", "have", "pny"}


def read_email(turn: Turn) -> str | Retry:
    """The valid address, or the Retry that says what is wrong (and remembers a suggestion)."""
    suggested = answers(turn).get(SUGGESTED)
    if suggested and is_no(turn.text):  # "Apakah maksud Anda …?" — "bukan"
        forget(turn, SUGGESTED)
        return Retry("reg_bad_email", {"typed": turn.text[:80], "declined": True, "suggestion": None, "name_like": False},
                     ask_again=False)
    typed = suggested if suggested and is_yes(turn.text) else turn.text
    checked = validate_email(typed)
    if not checked.ok or checked.value is None:
        remember(turn, **{SUGGESTED: checked.suggestion})
        return Retry("reg_bad_email", {"typed": turn.text[:80], "suggestion": checked.suggestion,
                                       "name_like": _looks_like_name(turn.text), "declined": False},
                     ask_again=checked.suggestion is None)
    forget(turn, SUGGESTED)
    return checked.value


def has_none(turn: Turn) -> bool:
    """The customer says they have no email (a "tidak" declining a suggested address is
    not that)."""
    return not (answers(turn).get(SUGGESTED) and is_no(turn.text)) and says_no_email(turn.text)


def says_no_email(text: str) -> bool:
    """"ga punya email kak", "sy gak ada email", "belum punya", "lewati": the customer has
    no address to give (which "ga punya email" is not a name saying)."""
    if "@" in text:
        return False
    words = words_of(text)
    if is_skip(text) or "gapunya" in words or "gaada" in words:
        return True
    denied = any(w in _NOT for w in words)
    return denied and (any(w in _HAVE for w in words) or any(w in _EMAIL_WORDS for w in words))


def _looks_like_name(text: str) -> bool:
    """"Rudi Hartono" typed at the email question: most likely the name again, corrected;
    the answer then says how to go back to it."""
    if says_no_email(text) or any(w in _EMAIL_WORDS for w in words_of(text)):
        return False
    return 2 <= len(text.split()) <= 5 and validate_name(text).ok and not is_yes(text) and not is_no(text)
