"""The signed-in staff member of a request, as the views and templates see them."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from ispbot.storage.models import User
from ispbot.webadmin.roles import Permission, can


@dataclass(frozen=True)
class Staff:
    user: User
    csrf_token: str
    cookie_value: str

    def can(self, permission: Permission) -> bool:
        return can(self.user.role, permission)


STAFF = web.RequestKey("staff", Staff)
