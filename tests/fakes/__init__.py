"""Faithful local stand-ins for outside services, started by tests on loopback ports."""
