"""Every refusal a person can read is in the catalogs: the message of each `GiftnetError(...)`
(and each `owned_row(..., missing=...)`) is an `N_()` sentence or a template given by a name,
never a bare string or an f-string (which `make i18n` cannot extract and French cannot show)."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[3] / "app"


def bare_messages() -> list[str]:
    found = []
    for path in sorted(APP.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            messages = node.args[1:2] if name == "GiftnetError" else []
            messages += [keyword.value for keyword in node.keywords
                         if name == "owned_row" and keyword.arg == "missing"]
            for message in messages:
                if isinstance(message, ast.Constant | ast.JoinedStr):
                    found.append(f"{path.relative_to(APP.parent)}:{message.lineno}")
    return found


def test_every_refusal_sentence_is_marked_for_the_catalogs():
    assert bare_messages() == []
