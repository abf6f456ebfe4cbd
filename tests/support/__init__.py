"""What the tests share, imported as `from tests.support.<module> import ...`; test
modules never import each other.

- `fixtures`: fixtures used in more than one directory (cheap password hashing, the
  events published during a test, the fake Bambora, Forte and Clover API, Square, Clover
  and Shopify tills); each directory's
  conftest.py imports the ones its tests may use.
- `services`: `refused` (the error a service call raised), `at_once` (calls released
  together from many threads), `ledger_rows`.
- `counter`: a location, a counter device activated through its link, cards and
  balances, the rows of a table.
- `receiver`: a location's own HTTP system on a loopback port (answers as scripted,
  checks Standard Webhooks signatures).
- `webhooks`: the webhook tests' `shop` and `receiver` fixtures and their delivery log.
- `shop`: the shop tests' `shop` fixture (selling through the fake Bambora) and orders.
- `square`: Square's `payment.*` and `refund.*` events, their signature (both checked with
  Square's SDK), their delivery.
- `pos_partners`: Clover's and Shopify POS's webhook messages, signed as each partner signs.
- `smtp`: a local SMTP server that keeps what it receives; the outbox as tests read it.
- `settlement`: a US and a Canadian network with bank details, redemptions to pay out.
- `bankfiles`: independent NACHA and CPA-005 readers, written from the published layouts.
- `dashboard_history`: a known history, written with chosen times, for the figures.
- `backend`: the real backend in a process of its own, for the API and security tests.
- `browser`: page helpers for the end-to-end tests and a counter set up in a browser.
- `faults`: a private PostgreSQL a test may stop, the invariants money keeps, a worker
  process a test kills (the worker itself is tests/faults/fault_worker.py).
- `async_runner`, `ports`: a coroutine run in its own thread; a free loopback port.

Two fixtures share the name `shop` (the shop tests' and the webhook tests'): a directory
or module gets the one it needs by importing it by name.
"""
