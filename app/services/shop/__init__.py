"""The online shop and its embedded widget: orders, their one-charge-at-a-time payment through
the gateways of app/integrations, refunds, and the shop's and gateway's settings.

Imports from services: core, messaging, money.
"""
