"""Giftnet: gift cards for networks of local businesses."""
