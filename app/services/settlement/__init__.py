"""Paying the businesses: what each location is owed (`payables`: commission, periods, bank
details), payout batches (`batches`), their NACHA and CPA-005 files (`bank_files`), bank and
payout settings (`payout_settings`), what a bank file still needs (`readiness`), NACHA
prenotes for new US bank details (`prenotes`), bank business days (`business_days`), payout
schedules (`schedule_rules`) and their runs (`schedules`), statements and reconciliation.

Imports from services: core, messaging, money, network, reporting.
"""
