"""Giftnet: gift cards for networks of local businesses.

The layers, each importing only those below it (tests/unit/test_architecture.py checks):
- pages (Reflex screens, built from components) and components import only the state;
- state (one Reflex State per screen) translates for the screens and calls the services;
- api (the FastAPI routes under /api/v1) translates for API clients and calls the services;
- services (every business rule, in packages by the product's steps: see services/__init__.py);
- models (the tables), integrations (gateways, bank file formats, mail, QR), db and settings.
The entry points wire them up: app.py (Reflex), background.py (the jobs), cli.py, demo.py.
"""
