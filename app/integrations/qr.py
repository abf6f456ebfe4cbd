"""QR codes made with the `qrcode` package (pure Python, with Pillow): as PNG images for
emails and pages, and as a grid of modules for vector drawing (the printable cards)."""

from __future__ import annotations

import io

import qrcode
from qrcode.constants import ERROR_CORRECT_M

# Any of the eight mask patterns makes a valid code; the penalty rules that pick the "best"
# one cost three quarters of the time. A print run of thousands of cards takes this one.
FAST_MASK = 2


def _code(text: str, *, box_size: int = 8, border: int = 4, mask_pattern: int | None = None) -> qrcode.QRCode:
    # Medium error correction survives a smudged print or a cracked screen.
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=border,
                         mask_pattern=mask_pattern)
    code.add_data(text)
    code.make(fit=True)
    return code


def qr_png(text: str, *, box_size: int = 8, border: int = 4) -> bytes:
    """A black-on-white PNG of `text` (usually a URL), readable by any phone camera.

    The 4-module quiet zone is what scanners expect around the code.
    """
    buffer = io.BytesIO()
    _code(text, box_size=box_size, border=border).make_image(fill_color="black", back_color="white").save(
        buffer, format="PNG")
    return buffer.getvalue()


def qr_modules(text: str, *, fast: bool = False) -> list[list[bool]]:
    """The code's modules, row by row (True = dark), without the quiet zone: a drawing
    (a PDF) paints them as squares at any size and leaves the quiet zone blank itself.
    `fast`: a fixed mask pattern instead of the best-scoring one (about 4 times quicker)."""
    code = _code(text, border=0, mask_pattern=FAST_MASK if fast else None)
    return [list(row) for row in code.get_matrix()]
