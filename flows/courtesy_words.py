"""Thanks and "noted" as customers chat them: "makasih kak 🙏", "ok siap", "trims", "👍".

The one list of them. Said at the menu they get a friendly word back (never "not
understood"). Said at a question that takes any text they are no answer to it: a kind word
back and the question again, every answer kept (the street, landmark and notes: the
engine's `free_text`; the name and the region names: their readers, flows/name_answer.py
and flows/address_questions.py, which "ok" to a suggestion answers). At a yes/no question
or the summary, where "oke" means yes, they stay the answer they were.
"""

from __future__ import annotations

from ispbot.flows.answers import HONORIFICS, PARTICLES, words_of

THANKS_WORDS = {"makasih", "makasi", "maksih", "mksh", "mks", "terima kasih", "terimakasih", "trima kasih",
                "trimakasih", "trims", "tks", "thx", "thanks", "thank you", "tq", "ty", "tengkyu", "suwun",
                "matur nuwun", "hatur nuhun", "nuhun"}
ACK_WORDS = {"ok", "oke", "okay", "okey", "oce", "siap", "sip", "mantap", "mantab", "baik", "noted", "good", "👍",
             "👌", "🙏", "😊", "🙂", "😁", "🤝"}
# Words said around them: "terima kasih banyak ya kak", "makasih atas infonya".
_AROUND_THANKS = {"banyak", "banget", "bgt", "sekali", "atas", "infonya", "info", "bantuannya"} | PARTICLES
# Each word of them on its own ("terima", "kasih"), for readers that go word by word.
WORDS = frozenset(word for said in THANKS_WORDS | ACK_WORDS for word in said.split())


def acknowledgement(text: str) -> str | None:
    """"thanks" for a thank-you ("makasih kak 🙏"), "ok" for an acknowledgement ("oke siap"),
    None when the message says anything more."""
    words, said = words_of(text), set()
    while words:
        two = " ".join(words[:2])
        if len(words) > 1 and two in THANKS_WORDS | ACK_WORDS:
            said.add(two)
            words = words[2:]
        elif words[0] in THANKS_WORDS | ACK_WORDS:
            said.add(words.pop(0))
        elif words[0] in _AROUND_THANKS | HONORIFICS:
            words.pop(0)
        else:
            return None
    if not said:
        return None
    return "thanks" if said & THANKS_WORDS else "ok"
