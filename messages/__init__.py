"""Every text the bot sends, as jinja2 templates per locale: `messages/id/<name>.j2` with
its twin in `messages/en/<name>.j2`. Customer-typed values are only ever passed in as
variables, never compiled as templates."""

from __future__ import annotations

import functools
import logging
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency
from jinja2 import Environment, PackageLoader, StrictUndefined

from ispbot.messages import whatsapp_templates
from ispbot.office_hours import in_english as office_hours_in_english
from ispbot.providers.messages import TemplateMessage

LOCALES = ("id", "en")
log = logging.getLogger(__name__)


def rupiah(amount: int | float | None) -> str:
    """199900 → `Rp 199.900`."""
    if amount is None:
        return "-"
    return _rupiah(round(amount))


@functools.lru_cache(maxsize=1024)  # prices and totals repeat; babel's formatting is slow
def _rupiah(amount: int) -> str:
    return format_currency(
        amount, "IDR", locale="id_ID", format="¤ #,##0", currency_digits=False
    ).replace("\xa0", " ")


class Messages:
    """Renders the message templates in the customer's language."""

    def __init__(self, timezone: ZoneInfo) -> None:
        self.timezone = timezone
        self.env = Environment(
            loader=PackageLoader("ispbot.messages", ""),
            undefined=StrictUndefined,
            autoescape=False,  # WhatsApp text, not HTML  # noqa: S701
            keep_trailing_newline=False,
            # The templates ship inside the package and change with a release, which
            # restarts the service; jinja2's default looked at each file's mtime (a stat)
            # on every message rendered.
            auto_reload=False,
        )
        self.env.filters["rupiah"] = rupiah
        self.env.filters["hours_in_english"] = office_hours_in_english
        self._locale = "id"

    def render(self, locale: str, template_name: str, /, **context: Any) -> str:
        locale = locale if locale in LOCALES else "id"
        template = self.env.get_template(f"{locale}/{template_name}.j2")
        context.setdefault("date", lambda d, fmt="full": self.date(d, locale, fmt))
        context.setdefault("datetime", lambda d: self.datetime(d, locale))
        return template.render(**context).strip()

    def whatsapp_template(self, locale: str, template_name: str, /, **context: Any) -> TemplateMessage | None:
        """The approved WhatsApp template carrying the same news as `render` would, filled
        from the same context; None when the message has none (see whatsapp_templates)."""
        spec = whatsapp_templates.for_message(template_name)
        if spec is None:
            return None
        locale = locale if locale in LOCALES else "id"
        context.setdefault("date", lambda d, fmt="full": self.date(d, locale, fmt))
        context.setdefault("datetime", lambda d: self.datetime(d, locale))
        context.setdefault("rupiah", rupiah)
        try:
            return spec.message(locale, context)
        except (KeyError, AttributeError, TypeError, IndexError):
            # A caller rendering the message with other values than the template expects:
            # the text still goes (inside the window it is all that is needed).
            log.exception("WhatsApp template for %s could not be filled; sending the text only", template_name)
            return None

    def date(self, value: date | datetime | None, locale: str, fmt: str = "full") -> str:
        if value is None:
            return "-"
        if isinstance(value, datetime):
            value = value.astimezone(self.timezone).date()
        pattern = {"full": "EEEE, d MMMM y", "short": "EEEE, d MMM", "compact": "d MMM y", "day_month": "d MMMM"}[fmt]
        return format_date(value, format=pattern, locale=locale)

    def datetime(self, value: datetime | None, locale: str) -> str:
        """"Kamis, 3 Desember 2026, 10.00 WIB"; in English "Thursday, 3 December 2026, 10:00 WIB"."""
        if value is None:
            return "-"
        pattern = "EEEE, d MMMM y, HH:mm" if locale == "en" else "EEEE, d MMMM y, HH.mm"
        return format_datetime(value.astimezone(self.timezone), format=pattern, locale=locale) + (
            " WIB" if str(self.timezone) == "Asia/Jakarta" else ""
        )

    def names(self, locale: str) -> set[str]:
        return {
            n.split("/", 1)[1].removesuffix(".j2")
            for n in self.env.list_templates(extensions=["j2"])
            if n.startswith(f"{locale}/")
        }
