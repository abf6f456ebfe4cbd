"""Figures read from the ledger: the rollups folded off the write path, reports, the dashboard's
figures and live activity, and the owners' daily summary.

Imports core, messaging and money.
"""
