"""The HTML frame every Giftnet email shares: a centred white card on grey, the operator's
name on top. Each email writes only what goes inside it."""

from __future__ import annotations

import html
from dataclasses import dataclass

# The emails' accent: buttons are white text on it (5.47:1, over the 4.5:1 of WCAG AA), and links use it.
ACCENT = "#0f766e"


@dataclass(frozen=True)
class ComposedEmail:
    """An email written and ready for the outbox: the same message in plain text and HTML."""

    subject: str
    text_body: str
    html_body: str


def email_page(subject: str, operator_name: str, content_html: str, lang: str = "en") -> str:
    """A whole HTML email: the frame around `content_html` (already escaped by the caller),
    in `lang` (`en` / `fr`: the page's `lang` attribute)."""
    esc = html.escape
    return f"""<!DOCTYPE html>
<html lang="{esc(lang if lang in ("en", "fr") else "en")}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(subject)}</title></head>
<body style="margin:0;padding:0;background:#f4f5f7;font-family:Arial,Helvetica,sans-serif;color:#1a1a1a;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f5f7;"><tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;background:#ffffff;border-radius:12px;">
<tr><td style="padding:32px 28px;">
<p style="margin:0;font-size:15px;color:#555;font-weight:bold;">{esc(operator_name)}</p>
{content_html}
</td></tr></table>
</td></tr></table>
</body></html>
"""
