"""Who may act: accounts and sign-in, the team and its invitations, API keys and their access
log, and the audit trail screen's reading (`audit_trail`; the recording is core.audit).

Imports from services: core, messaging.
"""
