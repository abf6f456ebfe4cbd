"""A card and its value: the append-only ledger (the only code that moves cents), idempotency
(a movement once per key, and the API's stored answers), issuing and managing cards with
the Cards screen's bulk freeze, finding a card by its code (with the guessing limit), the
recipient's email (sent again one by one or in bulk, and the link's rotation) and the
recipient's card page.

Imports from services: core, messaging.
"""
