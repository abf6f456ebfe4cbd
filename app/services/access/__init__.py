"""Who may act: accounts and sign-in, the team and its invitations, API keys and their access
log, the audit trail screen's reading (`audit_trail`; the recording is core.audit), and the
browser's session and device cookies as the websocket sees them (`browser_cookies`: handles only).

Imports from services: core, messaging, network.
"""
