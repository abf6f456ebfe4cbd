"""Colours people can read: the WCAG contrast ratio of two `#rrggbb` colours and the text colour
(white or near-black) to put on an operator's chosen colour, so a light brand colour gets dark text
instead of white text nobody can read (WCAG AA asks 4.5:1 for text)."""

from __future__ import annotations

WHITE = "#ffffff"
DARK = "#111111"
AA_TEXT = 4.5


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    """The relative luminance (0 black .. 1 white) of `#rrggbb`."""
    hex_digits = colour.strip().lstrip("#")
    if len(hex_digits) != 6:
        raise ValueError(f"A colour is written #rrggbb, not {colour!r}.")
    red, green, blue = (int(hex_digits[i:i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(red) + 0.7152 * _channel(green) + 0.0722 * _channel(blue)


def contrast_ratio(first: str, second: str) -> float:
    """WCAG's contrast ratio, 1 (the same) to 21 (black on white)."""
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_colour_on(background: str) -> str:
    """White when white text reads at least 4.5:1 on `background`, otherwise near-black."""
    if contrast_ratio(WHITE, background) >= AA_TEXT:
        return WHITE
    return DARK
