"""QR codes as PNG images, made with the `qrcode` package (pure Python, with Pillow)."""

from __future__ import annotations

import io

import qrcode
from qrcode.constants import ERROR_CORRECT_M


def qr_png(text: str, *, box_size: int = 8, border: int = 4) -> bytes:
    """A black-on-white PNG of `text` (usually a URL), readable by any phone camera.

    Medium error correction survives a smudged print or a cracked screen; the
    4-module quiet zone is what scanners expect around the code.
    """
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=border)
    code.add_data(text)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return buffer.getvalue()
