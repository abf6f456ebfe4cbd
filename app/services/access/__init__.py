"""Who may act: accounts and sign-in, the team and its invitations, API keys and their access
log, and the audit trail screen (the recording itself is core.audit).

Imports core, messaging and network.
"""
