"""Paying the businesses: what each location is owed (`payables`: commission, periods, bank
details), payout batches (`batches`), their NACHA and CPA-005 files (`bank_files`), bank and
payout settings, statements and reconciliation.

Imports from services: core, messaging, money, network, reporting.
"""
