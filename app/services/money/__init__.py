"""A card and its value: the append-only ledger (the only code that moves cents), idempotency
keys, issuing and managing cards, finding a card by its code (with the guessing limit), the
recipient's email and the recipient's card page.

Imports core and messaging.
"""
