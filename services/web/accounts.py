"""``servicenorm users``: manage the accounts of the web screens from the command line.

    servicenorm users add <name> --role admin     # the first admin, on a fresh install
    servicenorm users passwd <name>
    servicenorm users role <name> editor
    servicenorm users remove <name>
    servicenorm users list

The password is read from ``SERVICENORM_NEW_PASSWORD`` when set (for scripts),
otherwise asked twice at the terminal without echo. It is never printed or logged.
Exit codes: 0 done, 2 wrong use or refused (the message says why), 3 the
database cannot be reached.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Sequence

import asyncpg

from schemas.settings import CommonSettings, redact_dsn
from services.web.auth import ROLES, AccountError, AccountStore

PASSWORD_ENV = "SERVICENORM_NEW_PASSWORD"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="servicenorm users",
                                     description="accounts of the web screens")
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = sub.add_parser("add", help="create an account (password from "
                                     f"{PASSWORD_ENV} or asked)")
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, default="viewer")
    passwd = sub.add_parser("passwd", help="set a new password")
    passwd.add_argument("name")
    role = sub.add_parser("role", help="change the role of an account")
    role.add_argument("name")
    role.add_argument("role", choices=ROLES)
    remove = sub.add_parser("remove", help="delete an account")
    remove.add_argument("name")
    sub.add_parser("list", help="names and roles")
    return parser


def _new_password() -> str:
    from_env = os.environ.get(PASSWORD_ENV)
    if from_env:
        return from_env
    if not sys.stdin.isatty():
        raise AccountError(f"no terminal to ask a password: set {PASSWORD_ENV}")
    first = getpass.getpass("Nieuw wachtwoord / new password: ")
    if first != getpass.getpass("Nogmaals / again: "):
        raise AccountError("the two passwords differ")
    return first


async def _run(args: argparse.Namespace, dsn: str) -> str:
    password = _new_password() if args.action in ("add", "passwd") else ""
    connection = await asyncpg.connect(dsn)
    try:
        store = AccountStore(connection)
        if args.action == "add":
            account = await store.add(args.name, password, args.role)
            return f"account {account.name} added with role {account.role}"
        if args.action == "passwd":
            await store.set_password(args.name, password)
            return f"password of {args.name} changed"
        if args.action == "role":
            await store.set_role(args.name, args.role)
            return f"{args.name} now has role {args.role}"
        if args.action == "remove":
            await store.remove(args.name)
            return f"account {args.name} removed"
        rows = await store.list()
        return "\n".join(f"{r['name']}\t{r['role']}" for r in rows) or "no accounts"
    finally:
        await connection.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point for ``servicenorm users ACTION ...``; ``argv`` excludes 'users'."""
    args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    settings = CommonSettings.from_env()
    try:
        print(asyncio.run(_run(args, settings.database_url)))
    except AccountError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2
    except asyncpg.UndefinedTableError:
        print("the accounts table is missing: run 'servicenorm setup' first", file=sys.stderr)
        return 3
    except (OSError, asyncpg.PostgresError) as exc:
        print(f"cannot reach the database at {redact_dsn(settings.database_url)}: "
              f"{type(exc).__name__}", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
