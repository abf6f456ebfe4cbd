"""Printable gift cards as PDF, drawn with fpdf2 (pure Python, maintained, pinned in
requirements.txt): one card on a page to print at home, and print-ready sheets of many
cards for a print shop (eight business-card-sized cards, 85.6 x 54 mm like a bank card,
per Letter or A4 page, with crop marks at every corner).

QR codes are drawn as vector squares from `qr.qr_modules`, so they stay sharp on any
printer and weigh a few hundred bytes each. Text uses the PDF's built-in Helvetica and
Courier (nothing to embed); a character those fonts cannot show (outside Windows-1252)
is printed as its closest plain letter, or `?`.

This module draws what it is given: which code to print (or a masked one), the amount
text and the places come from the services (app/services/printing).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from fpdf import FPDF

from app.integrations.qr import qr_modules

PAPER_SIZES = {"letter": (215.9, 279.4), "a4": (210.0, 297.0)}
CARD_WIDTH, CARD_HEIGHT = 85.6, 54.0  # ISO/IEC 7810 ID-1, the size of a bank card
SHEET_COLUMNS, SHEET_ROWS = 2, 4
GUTTER = 8.0  # between cards: room for the crop marks
CROP_MARK = 4.0  # length of a crop mark
CROP_GAP = 1.0  # space between a card's corner and its marks
DEFAULT_COLOUR = "#0d9488"
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
_ENCODING = "windows-1252"


@dataclass(frozen=True)
class CardFace:
    """What is printed on one card. `code_text` is the formatted code, or a masked one when
    the reader may not see the code; `link` is what the QR code holds (the card page)."""

    network_name: str
    amount_text: str
    code_text: str
    link: str
    where_text: str
    colour: str = DEFAULT_COLOUR
    recipient_name: str = ""
    sender_name: str = ""
    message: str = ""
    balance_text: str = ""  # "Balance today: ..." when it differs from the amount
    code_note: str = ""  # printed under a masked code: where the full code is
    serial_text: str = ""  # a batch card's number, for the print shop's count
    # The printed words in the card's language (the services translate them): see ENGLISH_LABELS.
    labels: dict[str, str] = field(default_factory=lambda: dict(ENGLISH_LABELS))

    def label(self, key: str, **values: str) -> str:
        return (self.labels.get(key) or ENGLISH_LABELS[key]).format(**values)


# Every word a printed card says besides what the operator and buyer wrote.
ENGLISH_LABELS = {
    "title": "{network} gift card",
    "gift_card": "GIFT CARD",
    "for": "For {name}",
    "from": "From {name}",
    "scan": "Scan at the counter",
    "code": "Card code",
    "where": "Where to use it",
    "keep_safe": "Keep this card safe: anyone who has the code can spend it. Scan the QR code to see the balance: {link}",
}


def printable(text: str) -> str:
    """`text` in the characters the built-in PDF fonts have: accents kept where Windows-1252
    has them, others reduced to their base letter, the rest as `?`; newlines kept."""
    kept = []
    for char in text or "":
        try:
            char.encode(_ENCODING)
            kept.append(char)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
            kept.append(base or "?")
    return "".join(kept)


def _rgb(colour: str) -> tuple[int, int, int]:
    colour = colour if _HEX.match(colour or "") else DEFAULT_COLOUR
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _ink_on(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    """Black or white, whichever reads better on `rgb` (WCAG relative luminance)."""
    def channel(value: int) -> float:
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(value) for value in rgb)
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return (0, 0, 0) if (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) else (255, 255, 255)


def _new_document(paper: str, title: str) -> FPDF:
    if paper not in PAPER_SIZES:
        raise ValueError(f"paper is one of {', '.join(PAPER_SIZES)}")
    pdf = FPDF(unit="mm", format=PAPER_SIZES[paper])
    pdf.core_fonts_encoding = _ENCODING
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.set_title(printable(title))
    pdf.set_creator("Giftnet")
    return pdf


def _draw_qr(pdf: FPDF, link: str, x: float, y: float, size: float, *, fast: bool = False) -> None:
    """The QR code of `link`, `size` mm wide including its 4-module quiet zone (left white)."""
    modules = qr_modules(link, fast=fast)
    count = len(modules)
    module = size / (count + 8)
    left, top = x + 4 * module, y + 4 * module
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(x, y, size, size, style="F")
    pdf.set_fill_color(0, 0, 0)
    for row_index, row in enumerate(modules):
        column = 0
        while column < count:
            if not row[column]:
                column += 1
                continue
            start = column
            while column < count and row[column]:
                column += 1
            # One rectangle per run of dark modules, a hair taller so rows leave no seam.
            pdf.rect(left + start * module, top + row_index * module, (column - start) * module, module * 1.02,
                     style="F")


def _fit_font(pdf: FPDF, text: str, family: str, style: str, size: float, width: float, smallest: float) -> None:
    """Set the largest font size from `size` down to `smallest` at which `text` fits `width`."""
    while size > smallest:
        pdf.set_font(family, style, size)
        if pdf.get_string_width(text) <= width:
            return
        size -= 0.5
    pdf.set_font(family, style, smallest)


def _clip(pdf: FPDF, text: str, width: float) -> str:
    """`text` cut (with an ellipsis) to fit `width` in the current font."""
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "...") > width:
        text = text[:-1]
    return text.rstrip() + "..."


# --- one card on a page, to print at home ----------------------------------------


def single_card_pdf(face: CardFace, *, paper: str = "letter") -> bytes:
    """A one-page PDF of one card: the network's name on its colour, the amount, who it is
    for and from, the message, the code, the QR code of the card page and where to use it."""
    pdf = _new_document(paper, face.label("title", network=face.network_name))
    pdf.add_page()
    page_width, _ = PAPER_SIZES[paper]
    margin = 18.0
    width = page_width - 2 * margin
    colour = _rgb(face.colour)
    ink = _ink_on(colour)

    # The network's band.
    pdf.set_fill_color(*colour)
    pdf.rect(margin, margin, width, 30, style="F", round_corners=True, corner_radius=3)
    pdf.set_text_color(*ink)
    _fit_font(pdf, printable(face.network_name), "helvetica", "B", 22, width - 60, 11)
    pdf.set_xy(margin + 8, margin + 7)
    pdf.cell(width - 60, 16, _clip(pdf, printable(face.network_name), width - 60))
    pdf.set_font("helvetica", "B", 12)
    pdf.set_xy(margin + width - 50, margin + 7)
    pdf.cell(42, 16, printable(face.label("gift_card")), align="R")

    y = margin + 42
    pdf.set_text_color(60, 60, 60)
    pdf.set_font("helvetica", "", 15)
    if face.recipient_name:
        pdf.set_xy(margin, y)
        pdf.cell(width, 8, _clip(pdf, printable(face.label("for", name=face.recipient_name)), width))
        y += 10
    # The amount in the network's colour when that colour reads on white paper.
    pdf.set_text_color(*(colour if ink == (255, 255, 255) else (20, 20, 20)))
    _fit_font(pdf, face.amount_text, "helvetica", "B", 40, width, 20)
    pdf.set_xy(margin, y)
    pdf.cell(width, 18, printable(face.amount_text))
    y += 20
    pdf.set_text_color(60, 60, 60)
    if face.sender_name:
        pdf.set_font("helvetica", "", 14)
        pdf.set_xy(margin, y)
        pdf.cell(width, 8, _clip(pdf, printable(face.label("from", name=face.sender_name)), width))
        y += 10
    if face.message:
        y += 2
        pdf.set_font("helvetica", "I", 13)
        lines = pdf.multi_cell(width - 16, 6.5, printable(face.message), dry_run=True, output="LINES")[:12]
        height = 6.5 * len(lines) + 10
        pdf.set_fill_color(*(round(255 - (255 - value) * 0.12) for value in colour))
        pdf.rect(margin, y, width, height, style="F", round_corners=True, corner_radius=2)
        pdf.set_text_color(40, 40, 40)
        pdf.set_xy(margin + 8, y + 5)
        pdf.multi_cell(width - 16, 6.5, "\n".join(lines), align="L")
        y += height + 4

    # The code (left) and the QR code of the card page (right), in a bordered box.
    y += 4
    box_height = 70.0
    qr_size = 58.0
    pdf.set_draw_color(200, 200, 200)
    pdf.set_line_width(0.3)
    pdf.rect(margin, y, width, box_height, style="D", round_corners=True, corner_radius=3)
    _draw_qr(pdf, face.link, margin + width - qr_size - 6, y + 3, qr_size)
    pdf.set_text_color(90, 90, 90)
    pdf.set_font("helvetica", "", 11)
    pdf.set_xy(margin + width - qr_size - 6, y + qr_size + 3)
    pdf.cell(qr_size, 6, printable(face.label("scan")), align="C")
    text_width = width - qr_size - 20
    pdf.set_xy(margin + 8, y + 10)
    pdf.cell(text_width, 6, printable(face.label("code")))
    pdf.set_text_color(0, 0, 0)
    _fit_font(pdf, printable(face.code_text), "courier", "B", 22, text_width, 12)
    pdf.set_xy(margin + 8, y + 18)
    pdf.cell(text_width, 12, printable(face.code_text))
    line_y = y + 34
    pdf.set_text_color(60, 60, 60)
    pdf.set_font("helvetica", "", 11)
    for line in (face.code_note, face.balance_text):
        if line:
            pdf.set_xy(margin + 8, line_y)
            pdf.multi_cell(text_width, 5.5, printable(line), align="L")
            line_y = pdf.get_y() + 2
    y += box_height + 8

    pdf.set_text_color(20, 20, 20)
    pdf.set_font("helvetica", "B", 13)
    pdf.set_xy(margin, y)
    pdf.cell(width, 7, printable(face.label("where")))
    pdf.set_font("helvetica", "", 12)
    pdf.set_xy(margin, y + 8)
    pdf.multi_cell(width, 6, printable(face.where_text), align="L")

    pdf.set_font("helvetica", "", 9.5)
    pdf.set_text_color(100, 100, 100)
    pdf.set_xy(margin, PAPER_SIZES[paper][1] - margin - 12)
    pdf.multi_cell(width, 4.8, printable(face.label("keep_safe", link=face.link)), align="L")
    return bytes(pdf.output())


# --- sheets of cards, for a print shop --------------------------------------------


def _crop_marks(pdf: FPDF, x: float, y: float) -> None:
    """Short hairlines outside each corner of the card at (x, y), in the gutter."""
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.1)
    for corner_x, corner_y, out_x, out_y in ((x, y, -1, -1), (x + CARD_WIDTH, y, 1, -1),
                                             (x, y + CARD_HEIGHT, -1, 1), (x + CARD_WIDTH, y + CARD_HEIGHT, 1, 1)):
        pdf.line(corner_x + out_x * CROP_GAP, corner_y, corner_x + out_x * (CROP_GAP + CROP_MARK), corner_y)
        pdf.line(corner_x, corner_y + out_y * CROP_GAP, corner_x, corner_y + out_y * (CROP_GAP + CROP_MARK))


def _small_card(pdf: FPDF, face: CardFace, x: float, y: float) -> None:
    colour = _rgb(face.colour)
    ink = _ink_on(colour)
    band = 12.0
    pdf.set_fill_color(*colour)
    pdf.rect(x, y, CARD_WIDTH, band, style="F")
    pdf.set_text_color(*ink)
    _fit_font(pdf, printable(face.network_name), "helvetica", "B", 11, CARD_WIDTH - 26, 6)
    pdf.set_xy(x + 3, y + 2)
    pdf.cell(CARD_WIDTH - 26, 8, _clip(pdf, printable(face.network_name), CARD_WIDTH - 26))
    pdf.set_font("helvetica", "B", 6.5)
    pdf.set_xy(x + CARD_WIDTH - 23, y + 2)
    pdf.cell(20, 8, "GIFT CARD", align="R")

    qr_size = 30.0
    _draw_qr(pdf, face.link, x + CARD_WIDTH - qr_size - 1.5, y + band + 1, qr_size, fast=True)
    text_width = CARD_WIDTH - qr_size - 5
    pdf.set_text_color(0, 0, 0)
    _fit_font(pdf, printable(face.amount_text), "helvetica", "B", 15, text_width, 7)
    pdf.set_xy(x + 3, y + band + 2)
    pdf.cell(text_width, 8, printable(face.amount_text))
    pdf.set_text_color(90, 90, 90)
    pdf.set_font("helvetica", "", 6)
    pdf.set_xy(x + 3, y + band + 12)
    pdf.cell(text_width, 3, printable(face.label("code")))
    pdf.set_text_color(0, 0, 0)
    _fit_font(pdf, printable(face.code_text), "courier", "B", 9, text_width, 6)
    pdf.set_xy(x + 3, y + band + 15.5)
    pdf.cell(text_width, 4.5, printable(face.code_text))
    pdf.set_text_color(70, 70, 70)
    pdf.set_font("helvetica", "", 5.5)
    pdf.set_xy(x + 3, y + band + 22)
    lines = _wrapped(pdf, face.where_text, text_width)
    pdf.multi_cell(text_width, 2.6, "\n".join(lines[:5]), align="L")
    if face.serial_text:
        pdf.set_text_color(120, 120, 120)
        pdf.set_font("helvetica", "", 5)
        pdf.set_xy(x + CARD_WIDTH - qr_size - 1.5, y + CARD_HEIGHT - 5)
        pdf.cell(qr_size, 3, printable(face.serial_text), align="C")


def _wrapped(pdf: FPDF, text: str, width: float) -> list[str]:
    """`text` broken into lines of `width` in the current font: worked out once per text and
    font (every card of a batch says the same), since line breaking costs more than drawing."""
    key = (text, width, pdf.font_family, pdf.font_style, pdf.font_size_pt)
    cache = pdf.__dict__.setdefault("_giftnet_wrapped", {})
    if key not in cache:
        cache[key] = pdf.multi_cell(width, 2.6, printable(text), dry_run=True, output="LINES")
    return cache[key]


def card_sheets_pdf(faces: Iterable[CardFace], *, paper: str = "letter", title: str = "Gift cards") -> bytes:
    """Print-ready sheets: eight cards a page on a 2 x 4 grid, centred, with crop marks."""
    pdf = _new_document(paper, title)
    page_width, page_height = PAPER_SIZES[paper]
    grid_width = SHEET_COLUMNS * CARD_WIDTH + (SHEET_COLUMNS - 1) * GUTTER
    grid_height = SHEET_ROWS * CARD_HEIGHT + (SHEET_ROWS - 1) * GUTTER
    left, top = (page_width - grid_width) / 2, (page_height - grid_height) / 2
    per_page = SHEET_COLUMNS * SHEET_ROWS
    for index, face in enumerate(faces):
        slot = index % per_page
        if slot == 0:
            pdf.add_page()
        x = left + (slot % SHEET_COLUMNS) * (CARD_WIDTH + GUTTER)
        y = top + (slot // SHEET_COLUMNS) * (CARD_HEIGHT + GUTTER)
        _small_card(pdf, face, x, y)
        _crop_marks(pdf, x, y)
    if pdf.page == 0:
        pdf.add_page()
    return bytes(pdf.output())


__all__ = ["PAPER_SIZES", "CardFace", "card_sheets_pdf", "printable", "single_card_pdf"]
