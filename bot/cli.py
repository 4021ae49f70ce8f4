"""`ispbot`: the command line. Every subcommand has --help."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import sys
from collections.abc import Sequence

from ispbot.config import ConfigError, Settings, load_settings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ispbot", description="WhatsApp onboarding and self-service for ISPs")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the service: webhooks, admin, scheduler, outbox")
    serve.add_argument("--host", help="override ISPBOT_HOST")
    serve.add_argument("--port", type=int, help="override ISPBOT_PORT")
    serve.add_argument("--no-migrate", action="store_true", help="do not migrate the database first")

    commands.add_parser("migrate", help="bring the database schema up to date")

    seed = commands.add_parser("seed-demo", help="add the demo packages, admin, customer and FAQ (idempotent)")
    seed.add_argument("--if-empty", action="store_true", help="only when the database has no packages yet")

    user = commands.add_parser("create-user", help="add a staff user")
    user.add_argument("--username", required=True)
    user.add_argument("--role", required=True, choices=["admin", "cs", "supervisor"])
    user.add_argument("--full-name", default="")
    user.add_argument("--technician", action="store_true", help="can be assigned tickets")
    user.add_argument("--password", help="(prompted when omitted)")

    chat = commands.add_parser("chat", help="talk to the bot in the terminal through the sandbox gateway")
    chat.add_argument("--phone", default="081200000101", help="the number you chat as (08…)")
    chat.add_argument("--url", help="the running service (default ISPBOT_PUBLIC_URL)")

    jobs = commands.add_parser("jobs", help="list the scheduled jobs, or run one now")
    jobs.add_argument("action", nargs="?", choices=["list", "run"], default="list")
    jobs.add_argument("name", nargs="?", help="the job to run (with `run`)")

    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2

    if args.command == "serve":
        return _serve(settings, args)
    if args.command == "migrate":
        _migrate(settings)
        print("database is up to date")
        return 0
    if args.command == "seed-demo":
        _migrate(settings)
        return asyncio.run(_seed(settings, if_empty=args.if_empty))
    if args.command == "create-user":
        password = args.password or getpass.getpass("password (10+ characters): ")
        _migrate(settings)
        return asyncio.run(_create_user(settings, args.username, args.role, password, args.full_name, args.technician))
    if args.command == "jobs":
        return asyncio.run(_jobs(settings, args.action, args.name))
    if args.command == "chat":
        from ispbot.terminal_chat import run_chat

        return asyncio.run(run_chat(args.url or settings.public_url, args.phone))
    parser.error(f"unknown command {args.command}")
    return 2


async def _jobs(settings: Settings, action: str, name: str | None) -> int:
    from ispbot.app import build_services
    from ispbot.jobs import JOBS

    if action == "list":
        print(f"{'job':<12} {'every':>10}  what it does (runs in the one process holding the scheduler lease)")
        for job in JOBS.values():
            print(f"{job.name:<12} {job.every!s:>10}  {job.description}")
        return 0
    if name not in JOBS:
        print(f"unknown job {name!r}; one of: {', '.join(JOBS)}", file=sys.stderr)
        return 2
    _migrate(settings)
    services = build_services(settings)
    try:
        touched = await JOBS[name].run(services)
    finally:
        await services.http.aclose()
        await services.db.dispose()
    print(f"{name}: {touched} item(s)")
    return 0


def _migrate(settings: Settings) -> None:
    from ispbot.storage.migrations import upgrade

    if settings.is_sqlite:
        path = settings.database_url.split("///", 1)[-1]
        if path and path != ":memory:":
            from pathlib import Path

            Path(path).parent.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    from aiohttp import web

    from ispbot.app import create_app

    if not args.no_migrate:
        _migrate(settings)
    host = args.host or settings.host
    port = args.port or settings.port
    print(f"ispbot on http://{host}:{port}  (gateway: {settings.provider.value})")
    if settings.provider.value == "sandbox":
        print(f"  sandbox chat: http://{host}:{port}/sandbox")
    print(f"  admin:        http://{host}:{port}/admin")
    web.run_app(create_app(settings), host=host, port=port, print=None, access_log=None)
    return 0


async def _seed(settings: Settings, *, if_empty: bool) -> int:
    from datetime import UTC, datetime

    from sqlalchemy import func, select

    from ispbot.storage.database import Database
    from ispbot.storage.demo import seed_demo
    from ispbot.storage.models import Package

    db = Database(settings.database_url)
    try:
        async with db.transaction() as session:
            if if_empty and (await session.execute(select(func.count()).select_from(Package))).scalar_one():
                print("database already has data; demo seeding skipped")
                return 0
            now = datetime.now(UTC)
            report = await seed_demo(session, now, now.astimezone(settings.tz).date(), settings.admin_password)
    finally:
        await db.dispose()
    print(f"demo data: {report.packages} packages, customer {'added' if report.customer else 'present'}, "
          f"{report.invoices} invoices, {report.tickets} tickets, {report.faq} FAQ entries")
    if report.admin_password:
        print(f"admin login: admin / {report.admin_password}   (shown once; change it in the admin)")
    return 0


async def _create_user(settings: Settings, username: str, role: str, password: str, full_name: str, technician: bool) -> int:
    from datetime import UTC, datetime

    from ispbot.storage.database import Database
    from ispbot.storage.users import Role, UserExists, create_user

    db = Database(settings.database_url)
    try:
        async with db.transaction() as session:
            await create_user(
                session, username=username, password=password, role=Role(role),
                now=datetime.now(UTC), full_name=full_name, is_technician=technician,
            )
    except (UserExists, ValueError) as exc:
        print(f"not created: {exc}", file=sys.stderr)
        return 1
    finally:
        await db.dispose()
    print(f"user {username} ({role}) created")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
