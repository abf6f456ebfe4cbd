"""The operator's network of businesses: locations (and their CSV import), the items they
sell, their counter devices with activation links and emails, and the POS keys their
systems push with.

Imports from services: core, messaging.
"""
