"""``servicenorm``: one command for every service, connector and set-up step.

Each subcommand imports only what it runs, so the services stay independent:
this module is a switchboard, not a shared library.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

DESCRIPTION = """\
Service Norm Dashboard: measures a public body's service norms (kwaliteitshandvest)
live from events and shows them green, orange or red.

Services:      ingest, evaluator, web
Connectors:    simulate
Set-up:        setup (topics and database tables), norms (validate and load definitions),
               users (accounts of the web screens)

Every service reads its settings from SERVICENORM_* environment variables:
SERVICENORM_KAFKA_BOOTSTRAP (default 127.0.0.1:19092),
SERVICENORM_DATABASE_URL (default postgresql://postgres@127.0.0.1:15432/servicenorm),
SERVICENORM_TOPIC_PREFIX (default servicenorm).
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="servicenorm", description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ingest = sub.add_parser("ingest", help="HTTP front door: POST /events (CloudEvents) to Kafka")
    ingest.add_argument("--host", default="127.0.0.1")
    ingest.add_argument("--port", type=int, default=8081)

    sub.add_parser("evaluator", help="stream processor: events to indicators and status changes")

    web = sub.add_parser("web", help="dashboards, public page, REST API and live updates (SSE)")
    web.add_argument("--host", default="127.0.0.1")
    web.add_argument("--port", type=int, default=8080)

    sub.add_parser("simulate", help="simulated municipality sending events to ingest "
                                    "(servicenorm simulate --help for its options)",
                   add_help=False)

    sub.add_parser("users", help="accounts of the web screens "
                                 "(servicenorm users --help for its actions)", add_help=False)

    sub.add_parser("setup", help="create the Kafka topics and the database tables (idempotent)")

    norms = sub.add_parser("norms", help="norm definitions (YAML files)")
    norms_sub = norms.add_subparsers(dest="norms_command", required=True, metavar="ACTION")
    validate = norms_sub.add_parser("validate",
                                    help="check a folder of definitions, change nothing")
    validate.add_argument("folder")
    load = norms_sub.add_parser("load", help="validate a folder, store it and publish it "
                                             "(all or nothing)")
    load.add_argument("folder")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # The simulator and the account tool own their options; hand them over untouched.
    if argv[:1] == ["simulate"]:
        from connectors.simulator import main as simulate

        return simulate(argv[1:])
    if argv[:1] == ["users"]:
        from services.web.accounts import main as users

        return users(argv[1:])

    args = _parser().parse_args(argv)
    from schemas.settings import CommonSettings, setup_logging

    setup_logging(CommonSettings.from_env().log_level)

    if args.command == "ingest":
        from services.ingest.app import serve

        serve(args.host, args.port)
    elif args.command == "evaluator":
        from services.evaluator.worker import run

        run()
    elif args.command == "web":
        from services.web.app import serve as serve_web

        serve_web(args.host, args.port)
    elif args.command == "setup":
        from services.setup import setup

        return asyncio.run(setup())
    elif args.command == "norms":
        from services.setup import load_norms, validate_norms

        if args.norms_command == "validate":
            return validate_norms(args.folder)
        return asyncio.run(load_norms(args.folder))
    return 0


if __name__ == "__main__":
    sys.exit(main())
