"""The domain services: every business rule of Giftnet, grouped by the product's own steps.

The screens (app/state) and the API (app/api) translate to and from these functions and
decide nothing. No module here imports Reflex or FastAPI. The packages, lowest first; a
package imports only those above it in this list (tests/unit/test_architecture.py checks):

- core: plumbing every domain uses (errors, actor, money text, card codes and hashing,
  crypto, validation, time formats, the event bus, rate limits, roles, the audit record)
- messaging: the email outbox, signed webhooks, a location's redemption notices, the email frame
- money: a card's value (ledger, idempotency), the card itself, its look-up by code, its
  recipient email and its page
- network: the businesses (locations, their CSV import, items), their devices and POS keys
- counter: redemptions at a device and POS payments pushed by a partner
- shop: the online shop's orders and its settings
- reporting: ledger rollups, reports, dashboard figures, live activity, daily summaries
- settlement: what each location is owed, payout batches, bank files, statements, reconciliation
- access: accounts and sign-in, the team, API keys and their access log, the audit trail screen
"""
