"""The domain services: every business rule of Giftnet, grouped by the product's own steps.

The screens (app/state) and the API (app/api) translate to and from these functions and
decide nothing. No module here imports Reflex, FastAPI or Starlette, nor anything above
the services (app.state, app.pages, app.components, app.api, app.background, app.demo,
app.cli); below them they use app.models, app.db, app.settings and app.integrations.

The packages, lowest first. A package imports only packages listed before it, and its own
docstring names those it does import (tests/unit/test_architecture.py checks both):

- core: plumbing every domain uses (errors, the actor, the operator's row, money text, card
  codes and link tokens with their hashing, crypto, validation, time formats, the event
  bus, rate limits and the link guard, roles, the audit record)
- messaging: the email outbox, signed webhooks, a location's redemption notices, the email frame
- money: a card and its value (the ledger, idempotency keys, cards, the look-up by code, the
  recipient's email and card page)
- network: the businesses (locations, their CSV import, items), their devices and POS keys
- counter: redemptions at a device and POS payments pushed by a partner
- shop: the online shop's orders and its settings
- printing: printable cards (a card's PDF, print runs of cards and their PDF and CSV files)
- reporting: ledger rollups (read and folded), reports, dashboard figures, live activity,
  daily summaries
- settlement: what each location is owed, payout batches, bank files, payout settings,
  statements, reconciliation
- access: accounts and sign-in, the team, API keys and their access log, the audit trail screen
- onboarding: a new network's first steps (the Activity screen's checklist), read from the real state
"""
