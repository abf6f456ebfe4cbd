"""The Locations screens (states: app/state/locations/), one module a part:

- `listing`: /locations, the list with its search, filters and pages.
- `form`: /locations/new and /locations/<id>/edit, with the payout bank details.
- `detail`: /locations/<id>, the location's details, built of the parts below.
- `devices`, `pos`, `pos_setup`, `pos_partners`, `items`, `redemptions`, `money`, `webhooks`: the cards of that screen.
- `layout`: the pieces they share (a titled card, the active badge, the way back to the list).
"""
