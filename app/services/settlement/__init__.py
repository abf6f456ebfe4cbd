"""Paying the businesses: what each location is owed (payables), payout batches, the NACHA and
CPA-005 bank files, bank and payout settings, statements and reconciliation.

Imports core, messaging, money, network and reporting.
"""
