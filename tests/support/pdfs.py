"""Reading a PDF back as a person (or a scanner) would: its text with pypdf, its QR codes
by rendering each page with PDFium (pypdfium2) and decoding the image with zxing-cpp."""

from __future__ import annotations

import io
from pathlib import Path

import pypdfium2
import zxingcpp
from pypdf import PdfReader


def pdf_text(data: bytes) -> str:
    """Every page's text, pages joined by newlines."""
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def pdf_page_count(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)


def pdf_qr_codes(data: bytes, *, pages: int | None = None, scale: float = 3.0) -> list[str]:
    """The text of every QR code on the first `pages` pages (all when None), page by page,
    rendered at 72 * `scale` dots per inch."""
    document = pypdfium2.PdfDocument(data)
    try:
        found: list[str] = []
        for index in range(min(len(document), pages or len(document))):
            image = document[index].render(scale=scale).to_pil()
            found += [result.text for result in zxingcpp.read_barcodes(image)
                      if result.format == zxingcpp.BarcodeFormat.QRCode]
        return found
    finally:
        document.close()


def save_first_page(data: bytes, path: str | Path, *, scale: float = 2.0) -> None:
    """The first page as a PNG at `path` (for a person to look at)."""
    document = pypdfium2.PdfDocument(data)
    try:
        document[0].render(scale=scale).to_pil().save(path)
    finally:
        document.close()
