"""Staff users: admin, supervisor and cs. Passwords are hashed with argon2id."""

from __future__ import annotations

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
    if len(password) < 10:
        raise ValueError("password must have at least 10 characters")
    if await by_username(session, username):
        raise UserExists(username)
    user = User(
        username=username.strip().lower(),
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
