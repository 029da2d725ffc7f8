"""Accounts, login sessions, roles and CSRF tokens.

* Passwords are hashed with Argon2id (argon2-cffi, its default parameters);
  only the hash is stored, in ``web_accounts``.
* A browser logs in through the form at ``/login``; the session cookie
  (Starlette's SessionMiddleware, signed with ``SERVICENORM_WEB_SECRET_KEY``)
  holds the account name and a CSRF token, nothing else.
* A machine client sends HTTP Basic credentials of an account instead; only
  the internal JSON API and stream accept them.
* Roles grow: viewer (dashboard) < editor (screen layouts) < admin (accounts).

Departures from the obvious:

1. The account is looked up on every request rather than trusted from the
   cookie, so a removed account or a lowered role takes effect at once.
2. A login for an unknown name still verifies a password against a fixed hash,
   so the answer takes as long as for a known name and does not reveal which
   names exist.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

log = logging.getLogger(__name__)

ROLES = ("viewer", "editor", "admin")
RANK = {role: rank for rank, role in enumerate(ROLES)}
NAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,62}")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
SESSION_ACCOUNT = "account"
SESSION_CSRF = "csrf"

SELECT_ACCOUNT = "SELECT name, role, password_hash FROM web_accounts WHERE name = $1"
LIST_ACCOUNTS = "SELECT name, role, created_at, updated_at FROM web_accounts ORDER BY name"
INSERT_ACCOUNT = """
INSERT INTO web_accounts (name, password_hash, role) VALUES ($1, $2, $3)
ON CONFLICT (name) DO NOTHING
RETURNING name
"""
UPDATE_ROLE = "UPDATE web_accounts SET role = $2, updated_at = now() WHERE name = $1 RETURNING name"
UPDATE_PASSWORD = """
UPDATE web_accounts SET password_hash = $2, updated_at = now() WHERE name = $1 RETURNING name
"""
DELETE_ACCOUNT = "DELETE FROM web_accounts WHERE name = $1 RETURNING name"
COUNT_ADMINS = "SELECT count(*) FROM web_accounts WHERE role = 'admin'"

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class AccountError(ValueError):
    """A request to change accounts that cannot be done; the message says why."""


@dataclass(frozen=True, slots=True)
class Account:
    name: str
    role: str

    def may(self, role: str) -> bool:
        """Does this account hold ``role`` or a higher one?"""
        return RANK[self.role] >= RANK[role]


def check_name(name: str) -> str:
    if not NAME.fullmatch(name):
        raise AccountError(f"account name must be 2-63 characters of a-z, 0-9, '.', '_' or "
                           f"'-', starting with a letter or digit, got {name[:70]!r}")
    return name


def check_role(role: str) -> str:
    if role not in RANK:
        raise AccountError(f"role must be one of {', '.join(ROLES)}, got {role[:30]!r}")
    return role


def hash_password(password: str) -> str:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise AccountError(f"a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters, "
                           f"got {len(password)}")
    return _hasher.hash(password)


def password_matches(stored_hash: str, password: str) -> bool:
    if len(password) > MAX_PASSWORD:
        return False
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


class AccountStore:
    """Accounts in PostgreSQL; ``db`` is an asyncpg pool or connection."""

    def __init__(self, db: Any) -> None:
        self.db = db

    async def get(self, name: str) -> Account | None:
        if not NAME.fullmatch(name):
            return None
        row = await self.db.fetchrow(SELECT_ACCOUNT, name)
        return None if row is None else Account(row["name"], row["role"])

    async def verify(self, name: str, password: str) -> Account | None:
        """The account when ``password`` is right, else None (2)."""
        row = await self.db.fetchrow(SELECT_ACCOUNT, name) if NAME.fullmatch(name) else None
        if row is None:
            password_matches(_DUMMY_HASH, password)
            return None
        if not password_matches(row["password_hash"], password):
            return None
        return Account(row["name"], row["role"])

    async def list(self) -> list[dict[str, Any]]:
        return [dict(r) for r in await self.db.fetch(LIST_ACCOUNTS)]

    async def add(self, name: str, password: str, role: str) -> Account:
        check_name(name)
        check_role(role)
        if await self.db.fetchval(INSERT_ACCOUNT, name, hash_password(password), role) is None:
            raise AccountError(f"an account named {name!r} exists already")
        log.info("account %s added with role %s", name, role)
        return Account(name, role)

    async def set_role(self, name: str, role: str) -> None:
        check_role(role)
        current = await self.get(name)
        if current is None:
            raise AccountError(f"no account named {name[:70]!r}")
        if current.role == "admin" and role != "admin":
            await self._keep_an_admin()
        await self.db.fetchval(UPDATE_ROLE, name, role)
        log.info("account %s now has role %s", name, role)

    async def set_password(self, name: str, password: str) -> None:
        if await self.db.fetchval(UPDATE_PASSWORD, name, hash_password(password)) is None:
            raise AccountError(f"no account named {name[:70]!r}")
        log.info("password of account %s changed", name)

    async def remove(self, name: str) -> None:
        current = await self.get(name)
        if current is None:
            raise AccountError(f"no account named {name[:70]!r}")
        if current.role == "admin":
            await self._keep_an_admin()
        await self.db.fetchval(DELETE_ACCOUNT, name)
        log.info("account %s removed", name)

    async def _keep_an_admin(self) -> None:
        if await self.db.fetchval(COUNT_ADMINS) <= 1:
            raise AccountError("the last admin account cannot be removed or demoted")


# -- sessions and requests --------------------------------------------------------------------


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """Name and password from an ``Authorization: Basic`` header, or None."""
    if not header or not header[:6].lower() == "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    name, sep, password = decoded.partition(":")
    return (name, password) if sep else None


def csrf_token(session: dict[str, Any]) -> str:
    """The session's CSRF token, made on first use."""
    token = session.get(SESSION_CSRF)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[SESSION_CSRF] = token
    return token


def csrf_ok(session: dict[str, Any], submitted: object) -> bool:
    token = session.get(SESSION_CSRF)
    return (isinstance(token, str) and isinstance(submitted, str)
            and hmac.compare_digest(token.encode(), submitted.encode()))


def safe_next(target: str | None) -> str:
    """Where to go after login: a path on this site only, never another host."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
