"""Figures read from the ledger: the rollups (`rollups` reads exact figures from them,
`rollup_fold` folds new ledger rows in off the write path and checks them), reports, the
dashboard's figures and live activity, and the owners' daily summary.

Imports from services: core, messaging, money.
"""
