"""FAQ entries as staff edit them in the admin: read and check a draft, create, update,
deactivate (never delete: the bot simply stops offering it), and the admin's list with
a plain text filter. What the bot does with them is `storage/faq.py`. Functions only flush.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ispbot.storage.models import FaqEntry

MAX_CATEGORY = 40
MAX_QUESTION = 300
MAX_ANSWER = 3000
MAX_KEYWORDS = 500
MAX_ORDER = 1_000_000


class InvalidFaq(ValueError):
    """What is wrong with a draft, per field (Indonesian, for the form)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class FaqDraft:
    category: str
    question: str
    answer: str
    keywords: str
    sort_order: int

    @classmethod
    def read(cls, form: dict[str, str]) -> FaqDraft:
        """Checked values from a form; raises InvalidFaq naming each bad field."""
        category = " ".join(form.get("category", "").split())
        question = " ".join(form.get("question", "").split())
        answer = form.get("answer", "").replace("\r\n", "\n").strip()
        words = [w.strip() for w in form.get("keywords", "").replace("\n", ",").split(",")]
        keywords = ", ".join(w for w in words if w)
        order = form.get("sort_order", "").strip()
        errors: dict[str, str] = {}
        if not category:
            errors["category"] = "Kategori wajib diisi."
        elif len(category) > MAX_CATEGORY:
            errors["category"] = f"Kategori paling panjang {MAX_CATEGORY} karakter."
        if not question:
            errors["question"] = "Pertanyaan wajib diisi."
        elif len(question) > MAX_QUESTION:
            errors["question"] = f"Pertanyaan paling panjang {MAX_QUESTION} karakter."
        if not answer:
            errors["answer"] = "Jawaban wajib diisi."
        elif len(answer) > MAX_ANSWER:
            errors["answer"] = f"Jawaban paling panjang {MAX_ANSWER} karakter."
        if len(keywords) > MAX_KEYWORDS:
            errors["keywords"] = f"Kata kunci paling panjang {MAX_KEYWORDS} karakter."
        if order and not (order.lstrip("-").isascii() and order.lstrip("-").isdigit()):
            errors["sort_order"] = "Urutan harus berupa angka."
        elif order and not -MAX_ORDER <= int(order) <= MAX_ORDER:
            errors["sort_order"] = f"Urutan antara -{MAX_ORDER} dan {MAX_ORDER}."
        if errors:
            raise InvalidFaq(errors)
        return cls(category, question, answer, keywords, int(order) if order else 0)


async def create(session: AsyncSession, draft: FaqDraft, now: datetime) -> FaqEntry:
    """A new active entry; without an order it goes last."""
    order = draft.sort_order
    if not order:
        order = ((await session.execute(select(func.max(FaqEntry.sort_order)))).scalar_one() or 0) + 1
    entry = FaqEntry(
        category=draft.category, question=draft.question, answer=draft.answer, keywords=draft.keywords,
        sort_order=order, is_active=True, updated_at=now,
    )
    session.add(entry)
    await session.flush()
    return entry


def update(entry: FaqEntry, draft: FaqDraft, now: datetime) -> dict[str, tuple[object, object]]:
    """Apply the draft; returns what changed (field → (before, after)) for the audit row."""
    changed: dict[str, tuple[object, object]] = {}
    for name in ("category", "question", "answer", "keywords", "sort_order"):
        before, after = getattr(entry, name), getattr(draft, name)
        if before != after:
            changed[name] = (before, after)
            setattr(entry, name, after)
    if changed:
        entry.updated_at = now
    return changed


def set_active(entry: FaqEntry, active: bool, now: datetime) -> bool:
    """True when that changed anything."""
    if entry.is_active is active:
        return False
    entry.is_active = active
    entry.updated_at = now
    return True


async def by_id(session: AsyncSession, entry_id: int) -> FaqEntry | None:
    return await session.get(FaqEntry, entry_id)


async def listing(
    session: AsyncSession, *, text: str = "", category: str = "", include_inactive: bool = True
) -> list[FaqEntry]:
    """Every entry for the admin, in the bot's order; `text` filters question, answer and
    keywords (case-insensitive)."""
    stmt = select(FaqEntry).order_by(FaqEntry.category, FaqEntry.sort_order, FaqEntry.id)
    if text:
        pattern = f"%{_like_escape(text.lower())}%"
        stmt = stmt.where(or_(
            func.lower(FaqEntry.question).like(pattern, escape="\\"),
            func.lower(FaqEntry.answer).like(pattern, escape="\\"),
            func.lower(FaqEntry.keywords).like(pattern, escape="\\"),
        ))
    if category:
        stmt = stmt.where(FaqEntry.category == category)
    if not include_inactive:
        stmt = stmt.where(FaqEntry.is_active.is_(True))
    return list((await session.execute(stmt)).scalars())


async def all_categories(session: AsyncSession) -> list[str]:
    rows = await session.execute(select(FaqEntry.category).group_by(FaqEntry.category).order_by(FaqEntry.category))
    return list(rows.scalars())


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
