"""`ispbot`: the command line. Every subcommand has --help."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ispbot.config import ConfigError, Settings, load_settings
from ispbot.logs import configure_logging


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ispbot", description="WhatsApp onboarding and self-service for ISPs")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the service: webhooks, admin, scheduler, outbox")
    serve.add_argument("--host", help="override ISPBOT_HOST")
    serve.add_argument("--port", type=int, help="override ISPBOT_PORT")
    serve.add_argument("--no-migrate", action="store_true", help="do not migrate the database first")
    serve.add_argument("--workers", type=int, default=1, metavar="N",
                       help="run N processes on the same port (SO_REUSEPORT); use PostgreSQL")
    serve.add_argument("--reuse-port", action="store_true", help=argparse.SUPPRESS)  # set for each worker

    commands.add_parser("migrate", help="bring the database schema up to date")

    seed = commands.add_parser("seed-demo", help="add the demo packages, admin, customer and FAQ (idempotent)")
    seed.add_argument("--if-empty", action="store_true", help="only when the database has no packages yet")
    seed.add_argument("--registrations", type=int, default=0, metavar="N",
                      help="also add N demo registrations in bulk (e.g. 100000, to try the admin at scale)")

    user = commands.add_parser("create-user", help="add a staff user")
    user.add_argument("--username", required=True)
    user.add_argument("--role", required=True, choices=["admin", "cs", "supervisor"])
    user.add_argument("--full-name", default="")
    user.add_argument("--technician", action="store_true", help="can be assigned tickets")
    user.add_argument("--password", help="(prompted when omitted)")

    chat = commands.add_parser("chat", help="talk to the bot in the terminal through the sandbox gateway")
    chat.add_argument("--phone", default="081200000101", help="the number you chat as (08…)")
    chat.add_argument("--url", help="the running service (default ISPBOT_PUBLIC_URL)")

    bench = commands.add_parser("bench", help="measure the product against a minimal webhook app (see README, Performance)")
    bench.add_argument("--quick", action="store_true", help="a small run, under a minute")
    bench.add_argument("--json", type=Path, metavar="FILE", help="also write the report as JSON")
    bench.add_argument("--postgres-url", default=os.environ.get("ISPBOT_BENCH_POSTGRES_URL"),
                       help="a PostgreSQL server URL where a throwaway database may be created "
                            "(default ISPBOT_BENCH_POSTGRES_URL; without it PostgreSQL is skipped)")
    bench.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL")
    bench.add_argument("--customers", type=int, help="customers at saturation (21 messages each)")
    bench.add_argument("--concurrency", type=int, help="customers chatting at once at saturation")
    bench.add_argument("--open-conversations", type=int, help="open conversations for the memory figure")
    bench.add_argument("--registrations", type=int, help="registrations behind the admin pages")
    bench.add_argument("--workers", type=int, default=1, help="run the product as `serve --workers N`")
    bench.add_argument("--no-progress", action="store_true", help="no progress bar")
    bench.add_argument("--workdir", type=Path, help="keep databases and logs here (default: a temporary folder)")

    templates = commands.add_parser(
        "whatsapp-templates",
        help="the Cloud API templates for messages outside the 24-hour window: print them, or submit them to Meta",
    )
    templates.add_argument("--submit", action="store_true",
                           help="create them in ISPBOT_CLOUDAPI_WABA_ID for Meta's approval (uses ISPBOT_CLOUDAPI_TOKEN)")
    templates.add_argument("--status", action="store_true",
                           help="show Meta's review status of each template (exit 1 while any is not approved)")
    templates.add_argument("--locale", choices=["id", "en"], action="append",
                           help="only this language (repeatable; default both)")

    backup = commands.add_parser("backup", help="copy the database and the data directory (secret key, KTP photos), "
                                                "safely while the service runs")
    backup.add_argument("--to", type=Path, default=Path("backups"), metavar="DIR",
                        help="where to write the backup (default ./backups; keep a copy off the server)")
    backup.add_argument("--keep", type=int, metavar="N", help="then delete all but the newest N backups in DIR")

    jobs = commands.add_parser("jobs", help="list the scheduled jobs, or run one now")
    jobs.add_argument("action", nargs="?", choices=["list", "run"], default="list")
    jobs.add_argument("name", nargs="?", help="the job to run (with `run`)")

    args = parser.parse_args(argv)
    level = os.environ.get("ISPBOT_LOG_LEVEL", "INFO").upper()
    configure_logging(logging.getLevelNamesMapping().get(level, logging.INFO))
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per gateway request is noise (and CPU)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2

    if args.command == "serve":
        try:
            return _serve(settings, args)
        except ConfigError as exc:
            print(exc, file=sys.stderr)
            return 2
    if args.command == "migrate":
        _migrate(settings)
        print("database is up to date")
        return 0
    if args.command == "seed-demo":
        _migrate(settings)
        code = asyncio.run(_seed(settings, if_empty=args.if_empty))
        if code == 0 and args.registrations > 0:
            code = asyncio.run(_seed_registrations(settings, args.registrations))
        return code
    if args.command == "bench":
        return asyncio.run(_bench(args))
    if args.command == "create-user":
        password = args.password or getpass.getpass("password (10+ characters): ")
        _migrate(settings)
        return asyncio.run(_create_user(settings, args.username, args.role, password, args.full_name, args.technician))
    if args.command == "jobs":
        from ispbot.jobs import JOBS

        if args.action == "run" and args.name not in JOBS:
            print(f"unknown job {args.name!r}; one of: {', '.join(JOBS)}", file=sys.stderr)
            return 2
        _migrate(settings)  # outside the event loop: Alembic runs its own
        return asyncio.run(_jobs(settings, args.action, args.name))
    if args.command == "backup":
        return _backup(settings, args.to, args.keep)
    if args.command == "whatsapp-templates":
        locales = tuple(args.locale or ("id", "en"))
        if args.status:
            return asyncio.run(_whatsapp_template_statuses(settings, locales))
        return asyncio.run(_whatsapp_templates(settings, locales, submit=args.submit))
    if args.command == "chat":
        from ispbot.terminal_chat import run_chat

        return asyncio.run(run_chat(args.url or settings.public_url, args.phone))
    parser.error(f"unknown command {args.command}")
    return 2


def _backup(settings: Settings, target: Path, keep: int | None) -> int:
    from datetime import UTC, datetime

    from ispbot.backup import BackupError, run_backup

    if keep is not None and keep < 1:
        print("--keep must be at least 1", file=sys.stderr)
        return 2
    try:
        made = run_backup(settings, target, datetime.now(UTC), keep=keep)
    except BackupError as exc:
        print(f"backup failed: {exc}", file=sys.stderr)
        return 1
    print(f"database: {made.database}")
    print(f"data:     {made.data or '(no data directory yet)'}")
    return 0


async def _whatsapp_template_statuses(settings: Settings, locales: tuple[str, ...]) -> int:
    import httpx

    from ispbot.providers.cloudapi_templates import creation_bodies, statuses

    async with httpx.AsyncClient(timeout=30) as client:
        try:
            found = await statuses(settings, client)
        except ValueError as exc:
            print(exc, file=sys.stderr)
            return 2
    waiting = 0
    for body in creation_bodies(locales):
        status = found.get((body["name"], body["language"]), "MISSING (run --submit)")
        waiting += status != "APPROVED"
        print(f"{body['name']:<32} {body['language']:<3} {status}")
    print("all approved" if not waiting else f"{waiting} not approved yet: outside the 24-hour window their "
          "messages fail until Meta approves them (the admin shows them undelivered)")
    return 1 if waiting else 0


async def _whatsapp_templates(settings: Settings, locales: tuple[str, ...], *, submit: bool) -> int:
    import json

    import httpx

    from ispbot.providers.cloudapi_templates import creation_bodies
    from ispbot.providers.cloudapi_templates import submit as submit_templates

    bodies = creation_bodies(locales)
    if not submit:
        print(json.dumps(bodies, ensure_ascii=False, indent=2))
        return 0
    async with httpx.AsyncClient(timeout=30) as client:
        try:
            results = await submit_templates(settings, client, bodies)
        except ValueError as exc:
            print(exc, file=sys.stderr)
            return 2
    for result in results:
        print(f"{result.name:<32} {result.language:<3} {result.outcome:<8} {result.detail}")
    failed = sum(result.outcome == "failed" for result in results)
    print(f"{len(results) - failed} of {len(results)} created or already there; Meta reviews new ones "
          "(WhatsApp Manager shows their status)")
    return 1 if failed else 0


async def _jobs(settings: Settings, action: str, name: str | None) -> int:
    from ispbot.app import build_services
    from ispbot.job_runs import run_recorded, statuses
    from ispbot.jobs import JOBS

    services = build_services(settings)
    try:
        if action == "list":
            print(_job_table(await statuses(services), settings))
            return 0
        assert name is not None
        touched = await run_recorded(services, JOBS[name])
    finally:
        await services.http.aclose()
        await services.db.dispose()
    print(f"{name}: {touched} item(s)")
    return 0


def _job_table(rows: list[Any], settings: Settings) -> str:
    """The jobs with their schedule, last and next run (local time, ISPBOT_TIMEZONE)."""

    def local(when: Any) -> str:
        return when.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M") if when else "-"

    lines = [f"{'job':<18} {'schedule':<16} {'last run':<17} {'next run':<17} what it does",
             "(run by the one `serve` process holding the scheduler lease; times in " + settings.timezone + ")"]
    for row in rows:
        job = row.job
        schedule = (f"daily {settings.digest_hour:02d}:00" if job.schedule == "daily"
                    else f"every {_every(job.every)}")
        last = local(row.last.started_at) if row.last else "never"
        if row.last and row.last.error:
            last += " !"
        nxt = local(row.next_run) if row.next_run else "at start"
        lines.append(f"{job.name:<18} {schedule:<16} {last:<17} {nxt:<17} {job.description}")
    return "\n".join(lines)


def _every(delta: Any) -> str:
    seconds = int(delta.total_seconds())
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    return f"{seconds // 60} min"


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
    from ispbot.providers.registry import configuration_problems

    if problems := configuration_problems(settings):
        raise ConfigError("not starting:\n" + "\n".join(f"  {problem}" for problem in problems))
    if not args.no_migrate:
        _migrate(settings)
    host = args.host or settings.host
    port = args.port or settings.port
    print(f"ispbot on http://{host}:{port}  (gateway: {settings.provider.value})")
    if settings.provider.value == "sandbox":
        print(f"  sandbox chat: http://{host}:{port}/sandbox")
    print(f"  admin:        http://{host}:{port}/admin")
    if args.workers > 1:
        from ispbot.workers import supervise

        if settings.is_sqlite:
            print("  note: several workers on SQLite take turns writing; PostgreSQL is the scale-out database")
        return supervise(host, port, args.workers)
    web.run_app(create_app(settings), host=host, port=port, print=None, access_log=None,
                reuse_port=args.reuse_port or None)
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


async def _seed_registrations(settings: Settings, count: int) -> int:
    from datetime import UTC, datetime

    from tqdm import tqdm

    from ispbot.storage.database import Database
    from ispbot.storage.demo_registrations import seed_registrations

    db = Database(settings.database_url)
    try:
        with tqdm(total=count, unit="registration", desc="demo registrations") as bar:
            async with db.transaction() as session:
                await seed_registrations(session, count, datetime.now(UTC), settings.tz, bar.update)
    finally:
        await db.dispose()
    print(f"{count} demo registrations added")
    return 0


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt  # so that the bench stops the processes it started


async def _bench(args: argparse.Namespace) -> int:
    import signal

    from ispbot.bench.runner import Options, run_bench

    signal.signal(signal.SIGTERM, _interrupt)

    sizes = {name: value for name in ("customers", "concurrency", "open_conversations", "registrations")
             if (value := getattr(args, name)) is not None}
    common = {
        "postgres_url": args.postgres_url, "workers": args.workers, "progress": not args.no_progress,
        "workdir": args.workdir, "databases": ("sqlite",) if args.sqlite_only else ("sqlite", "postgres"),
        **sizes,
    }
    options = Options.quick_run(**common) if args.quick else Options(**common)
    report = await run_bench(options)
    print(report.table())
    if args.json:
        report.write_json(args.json)
        print(f"JSON report: {args.json}")
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
