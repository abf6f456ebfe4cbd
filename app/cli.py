"""Operations from the command line: `python -m app.cli <command>`.

    migrate                       bring the database to the newest schema
    seed-demo                     load the demo network once (prints its login and a fresh device
                                  activation link for the demo café)
    activation-link --location-id N
                                  prints a fresh device activation link for the location (older ones stop working)
    create-operator --name N --email E --password P [--currency CAD|USD] [--timezone Z]
                                  prints {"operator_id", "user_email", "api_key"} as JSON
    issue-card --operator-id N --amount-cents C [--recipient-email E]
                                  prints {"card_id", "code", "last4", "balance_cents"} as JSON
    check-ledger                  exit 0 when every card balances and the rollups agree with the
                                  ledger, 1 and the list otherwise
    deliver-outbox                send every due outbox email now (needs SMTP_URL); prints the counts as JSON
    create-database               create the PostgreSQL database of DATABASE_URL when it does not exist
    jobs                          run the background jobs in this process until stopped (BACKGROUND_JOBS=off
                                  on the app workers; see docs/deployment.md)
    run-payouts [--json]          run the scheduled payouts that are due, once (for cron): prints each run's
                                  operator, batch, total, bank file and the locations left out, and why
"""

from __future__ import annotations

import argparse
import json
import sys

from app.services.core.errors import GiftnetError


def _migrate(_args: argparse.Namespace) -> int:
    from app.migrations import migrate

    migrate()
    print("database migrated")
    return 0


def _seed_demo(_args: argparse.Namespace) -> int:
    from app.demo import DEMO_EMAIL, DEMO_PASSWORD, demo_activation_link, seed_demo

    created = seed_demo()
    print(f"demo network {'created' if created else 'already present'}; log in as {DEMO_EMAIL} / {DEMO_PASSWORD}")
    demo_link = demo_activation_link()
    if demo_link is not None:
        location_name, sent = demo_link
        print(f"activate a counter device for {location_name} (valid until {sent.link.expires_at:%Y-%m-%d %H:%M} UTC):")
        print(f"  {sent.url}")
    return 0


def _activation_link(args: argparse.Namespace) -> int:
    from app.db import read_session
    from app.models import Location
    from app.services.core.actor import Actor
    from app.services.network.devices import create_activation_link

    # The command line acts for whichever network owns the location.
    with read_session() as session:
        location = session.get(Location, args.location_id)
    if location is None:
        print(f"no location with id {args.location_id}", file=sys.stderr)
        return 2
    print(create_activation_link(Actor(location.operator_id, channel="system"), location.id).url)
    return 0


def _create_operator(args: argparse.Namespace) -> int:
    from app.services.access.accounts import sign_up
    from app.services.access.api_keys import create_api_key

    operator, user = sign_up(
        operator_name=args.name,
        email=args.email,
        password=args.password,
        currency=args.currency,
        timezone=args.timezone,
    )
    key = create_api_key(operator.id, "Created from the command line", user_id=user.id)
    print(json.dumps({"operator_id": operator.id, "user_email": user.email, "api_key": key.plaintext}))
    return 0


def _issue_card(args: argparse.Namespace) -> int:
    from app.services.core.actor import Actor
    from app.services.core.codes import format_code
    from app.services.money.ledger import issue_card

    issued = issue_card(
        Actor(args.operator_id, channel="dashboard"), args.amount_cents, recipient_email=args.recipient_email
    )
    print(
        json.dumps(
            {
                "card_id": issued.card.id,
                "code": format_code(issued.code),
                "last4": issued.card.last4,
                "balance_cents": issued.card.balance_cents,
                "link_token": issued.link_token,
            }
        )
    )
    return 0


def _check_ledger(_args: argparse.Namespace) -> int:
    from app.services.money.ledger import check_ledger
    from app.services.reporting.rollup_fold import check_rollups

    mismatches, rollup_mismatches = check_ledger(), check_rollups()
    if not mismatches:
        print("ledger balanced: every card's balance equals the sum of its ledger rows")
    for row in mismatches:
        print(
            f"card {row.card_id} (operator {row.operator_id}): balance {row.balance_cents} "
            f"!= ledger sum {row.ledger_sum_cents}"
        )
    if not rollup_mismatches:
        print("rollups agree: the folded figures equal the ledger rows they cover")
    for row in rollup_mismatches:
        print(f"rollup of operator {row.operator_id}: {row.what} folded {row.folded} != ledger {row.ledger}")
    return 1 if mismatches or rollup_mismatches else 0


def _deliver_outbox(_args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from app.services.messaging.outbox import deliver_due
    from app.settings import get_settings

    if not get_settings().smtp_url:
        print("SMTP_URL is not set: emails stay in the outbox (the dashboard's Outbox screen shows them)", file=sys.stderr)
        return 1
    # Passes of BATCH_SIZE until nothing due is left (a retry waits for its time: it is not due again).
    total = {"sent": 0, "retrying": 0, "failed": 0, "requeued": 0}
    for _ in range(1000):  # at most 20,000 emails a run; a retry is never due again at once
        counts = deliver_due()
        for name, value in asdict(counts).items():
            total[name] += value
        if counts.attempted == 0:
            break
    print(json.dumps(total))
    return 0


def _create_database(_args: argparse.Namespace) -> int:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from app.settings import get_settings

    url = make_url(get_settings().database_url)
    if not url.drivername.startswith("postgresql"):
        print(f"DATABASE_URL is {url.drivername}, not PostgreSQL: nothing to create", file=sys.stderr)
        return 0
    engine = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT",
                           connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as connection:
            exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                        {"name": url.database}).first()
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{url.database.replace(chr(34), "")}"'))
    except Exception as error:  # noqa: BLE001 - say what is wrong, not a traceback
        print(f"PostgreSQL at {url.render_as_string(hide_password=True)} did not answer: {error}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(json.dumps({"database": url.database, "created": not exists}))
    return 0


def _jobs(_args: argparse.Namespace) -> int:
    import asyncio
    import logging

    from app import background

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        asyncio.run(background.run_forever())
    except KeyboardInterrupt:
        pass
    return 0


def _run_payouts(args: argparse.Namespace) -> int:
    from app.services.settlement.schedules import run_due_payouts

    reports = run_due_payouts()
    if args.json:
        print(json.dumps([report.as_dict() for report in reports]))
        return 0
    if not reports:
        print("no scheduled payout run is due")
    for report in reports:
        print("\n".join(report.sentences()))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m app.cli", description="Giftnet operations")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="migrate the database").set_defaults(run=_migrate)
    commands.add_parser("seed-demo", help="load the demo network once").set_defaults(run=_seed_demo)
    link = commands.add_parser("activation-link", help="print a fresh device activation link for a location")
    link.add_argument("--location-id", type=int, required=True)
    link.set_defaults(run=_activation_link)
    create = commands.add_parser("create-operator", help="create an operator, its owner and an API key")
    create.add_argument("--name", required=True)
    create.add_argument("--email", required=True)
    create.add_argument("--password", required=True)
    create.add_argument("--currency", default="CAD", choices=["CAD", "USD"])
    create.add_argument("--timezone", default="America/Toronto")
    create.set_defaults(run=_create_operator)
    issue = commands.add_parser("issue-card", help="issue a card for an operator (test fixtures)")
    issue.add_argument("--operator-id", type=int, required=True)
    issue.add_argument("--amount-cents", type=int, required=True)
    issue.add_argument("--recipient-email")
    issue.set_defaults(run=_issue_card)
    commands.add_parser("check-ledger", help="prove sum(ledger) == balance for every card").set_defaults(
        run=_check_ledger
    )
    commands.add_parser("deliver-outbox", help="send every due outbox email now, by SMTP").set_defaults(
        run=_deliver_outbox
    )
    commands.add_parser("create-database", help="create the PostgreSQL database of DATABASE_URL if missing").set_defaults(
        run=_create_database
    )
    commands.add_parser("jobs", help="run the background jobs here until stopped").set_defaults(run=_jobs)
    payouts = commands.add_parser("run-payouts", help="run the scheduled payouts that are due, once (for cron)")
    payouts.add_argument("--json", action="store_true", help="print the runs as JSON")
    payouts.set_defaults(run=_run_payouts)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except GiftnetError as error:
        print(json.dumps(error.as_dict()), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
