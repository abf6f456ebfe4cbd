"""Plumbing every domain uses: errors, the actor, money text, card codes and hashing, crypto,
validation, time formats, the event bus, rate limits, roles and the audit record.

Owns no business step of its own. Imports app.settings, app.db and app.models only, never
another services package.
"""
