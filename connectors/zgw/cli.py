"""``python -m connectors.zgw``: the ZGW connector's command line."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import uvicorn
import yaml

from connectors.sdk import AMSTERDAM, EventFactory, IngestClient, IngestError
from connectors.zgw.client import Secret, ZgwClient, ZgwError
from connectors.zgw.cursor import Cursor
from connectors.zgw.mapping import RECEIVED_FIELDS, case_type_entry
from connectors.zgw.server import make_app, poll_forever
from connectors.zgw.sync import Connector, notice_event
from schemas.casetypes import load_file, load_text
from schemas.contract import ContractError
from schemas.norms import DefinitionError

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
DEFAULT_INGEST = "http://127.0.0.1:8081/events"
DEFAULT_SOURCE = "/zgw"
DEFAULT_PORT = 8090
INGEST_ATTEMPTS = 8

DESCRIPTION = """\
Feed the dashboard with the cases of a ZGW case system (Open Zaak or another
implementation of the Zaken and Catalogi APIs). Zaken become case events: receipt,
suspension (opschorting), extension (verlenging) and decision (einddatum). Only
opaque ids, case-type codes and dates leave the case system; descriptions, reasons,
names, BSNs and addresses never do.
"""

EPILOG = """\
credentials come from the environment, never from the command line:
  ZGW_CLIENT_ID        client id registered in the ZGW autorisaties (or --client-id)
  ZGW_CLIENT_SECRET    its secret (another variable with --secret-env)
  ZGW_CALLBACK_TOKEN   the auth value of the Notificaties API subscription (serve)

examples:
  python -m connectors.zgw poll --zgw-url https://zaken.voorbeeldstad.nl \\
      --case-types deploy/charter/case-types/voorbeeldstad.yaml --cursor zgw-cursor.json \\
      --interval 300
  python -m connectors.zgw serve --port 8090 --zgw-url https://zaken.voorbeeldstad.nl \\
      --case-types deploy/charter/case-types/voorbeeldstad.yaml --cursor zgw-cursor.json
  python -m connectors.zgw notice --case 4f1c0a52-1c2b-4a5e-9f4e-2f2b0c6d8e11 \\
      --received-on 2026-05-06
  python -m connectors.zgw casetypes --zgw-url https://zaken.voorbeeldstad.nl > draft.yaml
"""


@dataclass(frozen=True, slots=True)
class ZgwSettings:
    """Where the APIs are and who we are; ``secret`` prints as stars."""

    zaken_url: str
    catalogi_url: str
    client_id: str
    secret: Secret


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a date such as 2026-05-06, got {text!r}") from None


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a number of seconds above 0, got {text!r}")
    return value


def _parents() -> dict[str, argparse.ArgumentParser]:
    sink = argparse.ArgumentParser(add_help=False)
    sink.add_argument("--ingest", default=os.environ.get("SERVICENORM_INGEST_URL", DEFAULT_INGEST),
                      help=f"ingest's events URL (default {DEFAULT_INGEST}, or "
                           "$SERVICENORM_INGEST_URL)")
    sink.add_argument("--source", default=DEFAULT_SOURCE,
                      help=f"CloudEvents source of the events (default {DEFAULT_SOURCE})")

    zgw = argparse.ArgumentParser(add_help=False)
    zgw.add_argument("--zgw-url", default=os.environ.get("ZGW_URL"),
                     help="base URL of the ZGW APIs, e.g. https://zaken.voorbeeldstad.nl "
                          "(or $ZGW_URL); /zaken/api/v1 and /catalogi/api/v1 are added")
    zgw.add_argument("--zaken-url", help="Zaken API root, when not <zgw-url>/zaken/api/v1")
    zgw.add_argument("--catalogi-url", help="Catalogi API root, when not "
                                            "<zgw-url>/catalogi/api/v1")
    zgw.add_argument("--client-id", default=os.environ.get("ZGW_CLIENT_ID"),
                     help="client id for the JWT (or $ZGW_CLIENT_ID)")
    zgw.add_argument("--secret-env", default="ZGW_CLIENT_SECRET", metavar="NAME",
                     help="environment variable holding the client secret "
                          "(default ZGW_CLIENT_SECRET)")

    mapping = argparse.ArgumentParser(add_help=False)
    mapping.add_argument("--case-types", type=Path, required=True, metavar="FILE",
                         help="case-type file mapping zaaktypen to case types")
    mapping.add_argument("--cursor", type=Path, metavar="FILE",
                         help="JSON file remembering what was sent, so a restart does not "
                              "send it again")
    mapping.add_argument("--received-from", choices=RECEIVED_FIELDS, default="startdatum",
                         help="zaak field holding the day of receipt (default startdatum)")
    mapping.add_argument("--since", type=_day, metavar="DATE",
                         help="on the first poll, also read zaken closed after DATE")
    return {"sink": sink, "zgw": zgw, "mapping": mapping}


def build_parser() -> argparse.ArgumentParser:
    parents = _parents()
    parser = argparse.ArgumentParser(
        prog="python -m connectors.zgw", description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--log-level", default="INFO",
                        choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    poll = commands.add_parser(
        "poll", parents=[parents["zgw"], parents["mapping"], parents["sink"]],
        help="read the Zaken API and send new case events (once, or every --interval)")
    poll.add_argument("--interval", type=_seconds, metavar="SECONDS",
                      help="poll every SECONDS until stopped; without it, poll once")

    serve = commands.add_parser(
        "serve", parents=[parents["zgw"], parents["mapping"], parents["sink"]],
        help="receive Notificaties API callbacks on POST /callbacks")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT)
    serve.add_argument("--interval", type=_seconds, metavar="SECONDS",
                       help="also poll every SECONDS, to catch missed notifications")
    serve.add_argument("--callback-token-env", default="ZGW_CALLBACK_TOKEN", metavar="NAME",
                       help="environment variable with the expected Authorization header "
                            "(default ZGW_CALLBACK_TOKEN; unset: no check)")

    notice = commands.add_parser(
        "notice", parents=[parents["sink"]],
        help="register a notice of default (ingebrekestelling) received for a case")
    notice.add_argument("--case", required=True, metavar="ID",
                        help="the case id as sent by this connector (the zaak uuid)")
    notice.add_argument("--received-on", required=True, type=_day, metavar="DATE",
                        help="day the written notice was received")

    casetypes = commands.add_parser(
        "casetypes", parents=[parents["zgw"]],
        help="print a draft case-type file from the zaaktypen in the Catalogi API")
    casetypes.add_argument("--catalogus", metavar="URL", help="only zaaktypen of this catalogus")
    casetypes.add_argument("--organisation", default="mijn-gemeente",
                           help="organisation code for the draft")
    return parser


def _zgw_settings(args: argparse.Namespace) -> ZgwSettings:
    base = (args.zgw_url or "").rstrip("/")
    zaken = args.zaken_url or (f"{base}/zaken/api/v1" if base else None)
    catalogi = args.catalogi_url or (f"{base}/catalogi/api/v1" if base else None)
    if not zaken or not catalogi:
        raise SystemExit("expected --zgw-url (or $ZGW_URL), or both --zaken-url and "
                         "--catalogi-url")
    if not args.client_id:
        raise SystemExit("expected --client-id or $ZGW_CLIENT_ID")
    secret = os.environ.get(args.secret_env)
    if not secret:
        raise SystemExit(f"expected the client secret in ${args.secret_env}, which is not set")
    return ZgwSettings(zaken, catalogi, args.client_id, Secret(secret))


def _client(settings: ZgwSettings) -> ZgwClient:
    return ZgwClient(settings.zaken_url, settings.catalogi_url, settings.client_id,
                     settings.secret)


async def _with_connector(args: argparse.Namespace, clock: Callable[[], datetime] | None,
                          run: Callable[[Connector], Any]) -> None:
    settings = _zgw_settings(args)
    catalogue = load_file(args.case_types)
    log.info("zgw connector: %s, %d case types from %s, ingest %s, cursor %s",
             settings, len(catalogue), args.case_types, args.ingest, args.cursor)
    client = _client(settings)
    try:
        async with IngestClient(args.ingest, max_attempts=INGEST_ATTEMPTS) as sink:
            options: dict[str, Any] = {"received_from": args.received_from, "since": args.since}
            if clock is not None:
                options["clock"] = clock
            connector = Connector(client, catalogue, sink, EventFactory(args.source),
                                  Cursor.load(args.cursor), **options)
            await run(connector)
    finally:
        await client.aclose()


async def _poll(args: argparse.Namespace, clock: Callable[[], datetime] | None) -> None:
    async def run(connector: Connector) -> None:
        if args.interval is None:
            await connector.poll_once()
        else:
            await poll_forever(connector, args.interval)

    await _with_connector(args, clock, run)


async def _serve(args: argparse.Namespace, clock: Callable[[], datetime] | None) -> None:
    token = os.environ.get(args.callback_token_env)

    async def run(connector: Connector) -> None:
        app = make_app(connector, Secret(token) if token else None, args.interval)
        config = uvicorn.Config(app, host=args.host, port=args.port, log_level="warning")
        log.info("listening for notifications on http://%s:%d/callbacks", args.host, args.port)
        await uvicorn.Server(config).serve()

    await _with_connector(args, clock, run)


async def _notice(args: argparse.Namespace, clock: Callable[[], datetime] | None) -> None:
    now = clock() if clock else datetime.now(AMSTERDAM)
    event = notice_event(EventFactory(args.source), args.case, args.received_on, now)
    async with IngestClient(args.ingest, max_attempts=INGEST_ATTEMPTS) as sink:
        await sink.send(event)
    print(f"notice of default for case {args.case} received on "
          f"{args.received_on.isoformat()} sent (event {event['id']})")


async def _casetypes(args: argparse.Namespace) -> None:
    client = _client(_zgw_settings(args))
    newest: dict[str, dict[str, Any]] = {}
    try:
        params = {"catalogus": args.catalogus} if args.catalogus else None
        async for zaaktype in client.zaaktypen(params):
            key = str(zaaktype.get("identificatie"))
            if zaaktype.get("concept") or (
                    key in newest and newest[key].get("versiedatum", "") >= zaaktype.get(
                        "versiedatum", "")):
                continue
            newest[key] = zaaktype
    finally:
        await client.aclose()
    print(draft_case_types(args.organisation, list(newest.values())))


def draft_case_types(organisation: str, zaaktypen: Sequence[dict[str, Any]]) -> str:
    """A case-type file to check and complete, from zaaktypen; problems go to stderr."""
    entries = []
    for zaaktype in zaaktypen:
        try:
            entries.append(case_type_entry(zaaktype))
        except ValueError as error:
            print(f"# skipped zaaktype {zaaktype.get('identificatie')!r}: {error}",
                  file=sys.stderr)
    text = ("# Draft from the Catalogi API: check team, legal_basis and dwangsom of each "
            "case type.\n" + yaml.safe_dump(
                {"organisation": organisation, "version": 1, "case_types": entries},
                sort_keys=False, allow_unicode=True, width=100))
    try:
        load_text(text, "<draft>")
    except DefinitionError as error:
        print(f"# the draft needs fixing before use:\n{error}", file=sys.stderr)
    return text


def main(argv: Sequence[str] | None = None, *,
         clock: Callable[[], datetime] | None = None) -> int:
    """Run one command; ``clock`` replaces the wall clock (for replays and tests)."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        if args.command == "poll":
            asyncio.run(_poll(args, clock))
        elif args.command == "serve":
            asyncio.run(_serve(args, clock))
        elif args.command == "notice":
            asyncio.run(_notice(args, clock))
        else:
            asyncio.run(_casetypes(args))
    except (ZgwError, IngestError, ContractError, DefinitionError) as error:
        log.error("%s", error)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return EXIT_OK
    return EXIT_OK
