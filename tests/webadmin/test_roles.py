"""The permission table, written out: every role × every permission."""

from __future__ import annotations

import pytest

from ispbot.storage.lifecycle import Action
from ispbot.webadmin.roles import Permission, can, staff_actions

P = Permission
EXPECTED = {
    "admin": set(Permission),
    "supervisor": set(Permission) - {P.MANAGE_USERS, P.MANAGE_PACKAGES},
    "cs": {P.VIEW_REGISTRATIONS, P.VIEW_IDENTITY, P.VERIFY, P.SCHEDULE_SURVEY, P.COMPLETE_SURVEY, P.REJECT,
           P.MESSAGE_CUSTOMER, P.EXPORT, P.TICKETS, P.HANDOFF, P.VIEW_FAQ, P.VIEW_CUSTOMERS},
    "technician": set(),  # not a role: holds nothing
}


@pytest.mark.parametrize("role", EXPECTED)
@pytest.mark.parametrize("permission", list(Permission))
def test_role_permission(role: str, permission: Permission) -> None:
    assert can(role, permission) is (permission in EXPECTED[role])


def test_staff_actions_per_role() -> None:
    assert staff_actions("cs") == [Action.VERIFY, Action.SCHEDULE_SURVEY, Action.COMPLETE_SURVEY, Action.REJECT]
    assert Action.APPROVE in staff_actions("supervisor") and Action.CREATE_CUSTOMER in staff_actions("admin")
    assert Action.CANCEL not in staff_actions("admin")  # the customer's own action


def test_whatsapp_bold_is_rendered_after_escaping() -> None:
    from ispbot.webadmin.pages import whatsapp

    assert str(whatsapp("*Nomor:* <b>x</b> *<i>*")) == "<strong>Nomor:</strong> &lt;b&gt;x&lt;/b&gt; <strong>&lt;i&gt;</strong>"


def test_whatsapp_italic_and_strike_are_rendered_but_not_inside_links() -> None:
    from ispbot.webadmin.pages import whatsapp

    got = str(whatsapp("✅ Pendaftaran diterima ← _saat ini_ ~lama~ http://isp.example/d/a_b_c budi_s@x.id"))
    assert got == ("✅ Pendaftaran diterima ← <em>saat ini</em> <s>lama</s> "
                   "http://isp.example/d/a_b_c budi_s@x.id")
