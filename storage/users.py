"""Staff users: admin, supervisor and cs. Passwords are hashed with argon2id."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ispbot.storage.models import User

_hasher = PasswordHasher()
# Verifying against this keeps a login for an unknown user as slow as for a known one.
_DUMMY_HASH = _hasher.hash("not a real password")


class Role(StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    CS = "cs"


class UserExists(Exception):
    pass


MIN_PASSWORD = 10
# Plain ASCII: "аdmin" with a Cyrillic а would be a second account that reads as the first.
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,59}")


class InvalidUsername(ValueError):
    pass


class WeakPassword(ValueError):
    pass


def checked_username(username: str) -> str:
    """The username as stored (trimmed, lower case); InvalidUsername unless it is 2–60 of
    a–z, 0–9, dot, dash and underscore, starting with a letter or digit."""
    name = username.strip().lower()
    if not _USERNAME.fullmatch(name):
        raise InvalidUsername(f"username must be 2-60 of a-z, 0-9, '.', '-', '_': {username!r}")
    return name


def check_password(password: str) -> None:
    """WeakPassword when it has fewer than MIN_PASSWORD characters other than spaces."""
    if len("".join(password.split())) < MIN_PASSWORD:
        raise WeakPassword(f"password must have at least {MIN_PASSWORD} characters other than spaces")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(user: User | None, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash if user else _DUMMY_HASH, password) and user is not None
    except (VerificationError, InvalidHashError):
        return False


async def by_username(session: AsyncSession, username: str) -> User | None:
    rows = await session.execute(select(User).where(User.username == username.strip().lower()))
    return rows.scalar_one_or_none()


async def create_user(
    session: AsyncSession,
    *,
    username: str,
    password: str,
    role: Role,
    now: datetime,
    full_name: str = "",
    is_technician: bool = False,
) -> User:
    username = checked_username(username)
    check_password(password)
    if await by_username(session, username):
        raise UserExists(username)
    user = User(
        username=username,
        full_name=full_name or username,
        role=role.value,
        password_hash=hash_password(password),
        is_active=True,
        is_technician=is_technician,
        failed_logins=0,
        created_at=now,
    )
    session.add(user)
    await session.flush()
    return user
