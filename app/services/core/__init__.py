"""Plumbing every domain uses, owning no business step of its own: errors (`errors`), who
acts (`actor`), the operator's row (`operators`), money as text (`money`), card codes and
link tokens with their keyed hashes (`codes`), encryption and keyed hashing (`crypto`),
input checks (`validation`), times and durations as people read them (`timefmt`), the
event bus (`events`), sliding-window limits (`rate_limit`) and the link-guessing guard
(`link_guard`), roles (`roles`), readable colours (`colours`), English and Canadian French (`i18n`: the
language a reader gets, gettext catalogs, amounts and dates per locale) and the audit record every
action writes (`audit`).

Imports from services: nothing outside core (only app.models, app.db and app.settings).
"""
