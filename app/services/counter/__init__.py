"""At the counter: a device redeems a card (amount or items, void the same business day), and
a POS partner's payment waits for the merchant's SELECT (Square's webhooks included).

Imports from services: core, messaging, money, network.
"""
