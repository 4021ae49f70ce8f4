"""Who may do what: one permission table for the admin pages and the staff API.

| permission          | admin | supervisor | cs |
| ------------------- | ----- | ---------- | -- |
| view registrations  |   ✓   |     ✓      | ✓  |
| view identity (NIK, KTP photo; every photo view is audited) | ✓ | ✓ | ✓ |
| verify, schedule/complete survey, reject | ✓ | ✓ | ✓ |
| approve, create customer |   ✓   |     ✓      |    |
| delete a rejected/cancelled registration | ✓ | ✓ |  |
| message customer (resend, custom text) | ✓ | ✓ | ✓ |
| export              |   ✓   |     ✓      | ✓  |
| tickets (view with the customer's photo, assign, status; every photo view is audited) | ✓ | ✓ | ✓ |
| customers and invoices (view, invoice PDF) | ✓ | ✓ | ✓ |
| record an invoice payment | ✓ | ✓ |    |
| audit log           |   ✓   |     ✓      |    |
| data deletion requests (see, carry out) | ✓ | ✓ |  |
| analytics (page, CSV, analytics API) | ✓ | ✓ |  |
| users               |   ✓   |            |    |
| chat inbox (view, take, reply, hand back own) | ✓ | ✓ | ✓ |
| take over or hand back another agent's chat | ✓ | ✓ |  |
| FAQ (view)          |   ✓   |     ✓      | ✓  |
| FAQ (create, edit, deactivate) | ✓ | ✓ |    |
| packages (view the list)  |   ✓   |     ✓      |    |
| packages (create, edit, deactivate) | ✓ |  |    |

CS staff see the NIK and the KTP photo because verifying them is their job; each view of
a photo writes an audit row, and lists and exports always show the NIK masked.

CS look invoices up to answer customers ("CS checks → reply" in the seed); recording a
payment moves money on the books, so, like approving, it is a supervisor's call.

What the ISP sells and at what price (the packages the chat offers) is the owner's
decision: admins set packages up; supervisors see the list, as they see the analytics.
"""

from __future__ import annotations

from enum import StrEnum

from ispbot.storage.lifecycle import Action
from ispbot.storage.users import Role


class Permission(StrEnum):
    VIEW_REGISTRATIONS = "view_registrations"
    VIEW_IDENTITY = "view_identity"
    VERIFY = "verify"
    SCHEDULE_SURVEY = "schedule_survey"
    COMPLETE_SURVEY = "complete_survey"
    REJECT = "reject"
    APPROVE = "approve"
    CREATE_CUSTOMER = "create_customer"
    DELETE_REGISTRATION = "delete_registration"
    MESSAGE_CUSTOMER = "message_customer"
    EXPORT = "export"
    TICKETS = "tickets"
    VIEW_AUDIT = "view_audit"
    MANAGE_USERS = "manage_users"
    DATA_REQUESTS = "data_requests"
    HANDOFF = "handoff"
    TAKE_OVER = "take_over"
    VIEW_FAQ = "view_faq"
    EDIT_FAQ = "edit_faq"
    VIEW_CUSTOMERS = "view_customers"
    RECORD_PAYMENT = "record_payment"
    VIEW_ANALYTICS = "view_analytics"
    VIEW_PACKAGES = "view_packages"
    MANAGE_PACKAGES = "manage_packages"


_CS = frozenset(
    {
        Permission.VIEW_REGISTRATIONS,
        Permission.VIEW_IDENTITY,
        Permission.VERIFY,
        Permission.SCHEDULE_SURVEY,
        Permission.COMPLETE_SURVEY,
        Permission.REJECT,
        Permission.MESSAGE_CUSTOMER,
        Permission.EXPORT,
        Permission.TICKETS,
        Permission.HANDOFF,
        Permission.VIEW_FAQ,
        Permission.VIEW_CUSTOMERS,
    }
)
_SUPERVISOR = _CS | {
    Permission.APPROVE,
    Permission.CREATE_CUSTOMER,
    Permission.DELETE_REGISTRATION,
    Permission.VIEW_AUDIT,
    Permission.DATA_REQUESTS,
    Permission.TAKE_OVER,
    Permission.EDIT_FAQ,
    Permission.RECORD_PAYMENT,
    Permission.VIEW_ANALYTICS,
    Permission.VIEW_PACKAGES,
}

PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.SUPERVISOR: frozenset(_SUPERVISOR),
    Role.CS: _CS,
}

# The permission each staff action on a registration needs (cancel is the customer's).
ACTION_PERMISSION: dict[Action, Permission] = {
    Action.VERIFY: Permission.VERIFY,
    Action.SCHEDULE_SURVEY: Permission.SCHEDULE_SURVEY,
    Action.COMPLETE_SURVEY: Permission.COMPLETE_SURVEY,
    Action.APPROVE: Permission.APPROVE,
    Action.REJECT: Permission.REJECT,
    Action.CREATE_CUSTOMER: Permission.CREATE_CUSTOMER,
}

ROLE_LABELS = {Role.ADMIN: "Admin", Role.SUPERVISOR: "Supervisor", Role.CS: "Customer Service"}


def can(role: str, permission: Permission) -> bool:
    """Whether a user of `role` holds `permission` (an unknown role holds nothing)."""
    try:
        return permission in PERMISSIONS[Role(role)]
    except ValueError:
        return False


def staff_actions(role: str) -> list[Action]:
    """The registration actions a user of `role` may take (status permitting)."""
    return [action for action, permission in ACTION_PERMISSION.items() if can(role, permission)]
