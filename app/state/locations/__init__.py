"""The Locations screens' states (pages: app/pages/locations/), one module a part:

- `listing`: the list with its search, filters and pages (`LocationsState`).
- `form`: the create / edit form with the payout bank details (`LocationFormState`).
- `screen`: what the location screens share (`LocationScreensState`: which location the
  address names, the message the form leaves for the location's screen) and one location's
  screen (`LocationDetailState`: its details and the message of the last action).
- The parts of one location's screen, each a substate of `LocationDetailState` that opens
  with it: `devices` (devices, activation link), `pos` (POS keys, Square settings),
  `pos_setup` (the setup guide), `pos_partners` (Clover and Shopify POS settings, the POS
  payments, the POS log),
  `items` (the catalog), `redemptions` (paged, void of today's), `money` (what it is owed,
  its payout lines) and `webhooks` (signing secret, delivery log, retries).
"""
