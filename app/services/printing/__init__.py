"""Printable cards: a card as a PDF (print at home, the recipient email's attachment, the
card page's download) and print runs of cards without recipients, with their print-ready
PDF sheets and the card printer's CSV.

Imports from services: core, money, shop.
"""
