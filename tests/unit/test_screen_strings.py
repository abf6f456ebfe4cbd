"""No screen holds a sentence a person reads outside the translation calls.

Scans every module of `app/pages`, `app/components` and `app/state` (their syntax tree, not
their text) for English words that would reach a screen untranslated:

- text given to a component (`rx.text("Save")`, `rx.button(rx.icon("x"), "Cancel")`,
  `rx.callout("...")`, a table header, a select item, ...);
- the attributes a person reads or hears (`placeholder=`, `aria_label=`, `title=`, `alt=`,
  `label=`, `description=`, `content=`);
- in the state modules, a sentence written into a var (`self.error = "..."`) or a toast.

A sentence inside `t()` (pages), `self._t()` (state), `N_()` / `_()` (marked for the catalog)
passes. So do ids, routes, CSS values and names (no two words and no capital: `"solid"`,
`"/cards"`, `"nav-cards"`), and the few proper nouns in ALLOWED.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCREEN_PACKAGES = ("app/pages", "app/components", "app/state")
TRANSLATING_CALLS = {"t", "_t", "_", "N_", "translate", "localized_message", "ngettext", "_in_language"}
# Components whose positional string arguments are read on screen.
TEXT_COMPONENTS = {
    "text", "heading", "button", "badge", "callout", "link", "strong", "em", "label", "span", "p", "h1", "h2", "h3",
    "h4", "li", "th", "td", "option", "legend", "summary", "caption", "column_header_cell", "cell", "row_header_cell",
    "item", "title", "description", "trigger", "tooltip", "toast", "success", "error", "warning", "info", "checkbox",
    "switch", "radio", "blockquote", "small", "data_list", "tab", "alert", "kbd",
}
# Attributes a person reads or a screen reader says.
READ_ATTRIBUTES = {"placeholder", "aria_label", "title", "alt", "label", "description", "content", "loading_text"}
# Proper nouns and symbols that are the same in every language.
ALLOWED = {"Giftnet", "Square", "Clover", "Shopify", "Bambora", "Forte", "NACHA", "CPA-005", "SFTP", "API", "CSV",
           "PDF", "QR", "POS", "English", "Français", "OK", "ID"}
LOGGERS = {"log", "logger", "_log", "_logger", "logging", "LOG"}
WORDS = re.compile(r"[A-Za-zÀ-ÿ]{2,}")


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text!r}"


def reads_as_words(text: str) -> bool:
    """A sentence or a label: two words, or one capitalised word (`"Save"`), not an id or CSS."""
    stripped = text.strip()
    if not stripped or stripped in ALLOWED or stripped.startswith(("/", "#", "http", "var(", "rgb", "@")):
        return False
    words = WORDS.findall(stripped)
    if not words:
        return False
    if len(words) == 1:
        word = words[0]
        return word[0].isupper() and word not in ALLOWED and not re.fullmatch(r"[A-Z0-9_\-]+", stripped)
    return " " in stripped


def string_parts(node: ast.AST) -> list[str]:
    """The literal text of a string constant or an f-string (its constant parts joined)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return ["".join(part.value if isinstance(part, ast.Constant) else "{}" for part in node.values)]
    return []


def call_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


class ScreenStrings(ast.NodeVisitor):
    def __init__(self, path: str, is_state: bool) -> None:
        self.path, self.is_state = path, is_state
        self.findings: list[Finding] = []
        self.translated_depth = 0

    def flag(self, node: ast.AST) -> None:
        if self.translated_depth:
            return
        for text in string_parts(node):
            if reads_as_words(text):
                self.findings.append(Finding(self.path, node.lineno, text))

    def visit_Call(self, node: ast.Call) -> None:
        name = call_name(node)
        if isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) and \
                node.func.value.id in LOGGERS:
            return  # a log line is for the operators of the platform, in English

        if name in TRANSLATING_CALLS:
            self.translated_depth += 1
            self.generic_visit(node)
            self.translated_depth -= 1
            return
        if name in TEXT_COMPONENTS or name in SCREEN_FUNCTIONS:
            for argument in node.args:
                self.flag(argument)
        for keyword in node.keywords:
            if keyword.arg in READ_ATTRIBUTES:
                self.flag(keyword.value)
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        if self.is_state and any(isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                                 and target.value.id == "self" for target in node.targets):
            self.flag(node.value)
            if isinstance(node.value, ast.IfExp):
                self.flag(node.value.body)
                self.flag(node.value.orelse)
        self.generic_visit(node)


def screen_functions() -> set[str]:
    """The functions the pages and components define: their string arguments are screen text too
    (`page_title("Cards")`, `screen_section("Webhook endpoints", ...)`)."""
    names = set()
    for package in ("app/pages", "app/components"):
        for path in (ROOT / package).rglob("*.py"):
            names |= {node.name for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                      if isinstance(node, ast.FunctionDef)}
    return names - {"page", "index"}


def screen_modules() -> list[Path]:
    return sorted(path for package in SCREEN_PACKAGES for path in (ROOT / package).rglob("*.py"))


def findings_in(path: Path) -> list[Finding]:
    relative = str(path.relative_to(ROOT))
    visitor = ScreenStrings(relative, is_state=relative.startswith("app/state"))
    visitor.visit(ast.parse(path.read_text(encoding="utf-8")))
    return visitor.findings


SCREEN_FUNCTIONS = screen_functions()


def test_the_scan_reads_every_screen_module():
    names = {str(path.relative_to(ROOT)) for path in screen_modules()}
    assert {"app/pages/redeem.py", "app/state/session.py", "app/components/layout.py"} <= names


def test_the_scan_finds_an_untranslated_label_and_passes_a_translated_one(tmp_path):
    sample = ("import reflex as rx\n"
              "def page():\n"
              "    return rx.vstack(rx.button('Save changes', id='save'), rx.text(t('Card balance')),\n"
              "                     rx.input(placeholder='Card code', id='code'), rx.box(variant='solid'))\n")
    visitor = ScreenStrings("sample.py", is_state=False)
    visitor.visit(ast.parse(sample))
    assert [finding.text for finding in visitor.findings] == ["Save changes", "Card code"]
    state = "class S:\n    def go(self):\n        self.error = 'Enter an amount'\n        self.ok = self._t('Saved')\n"
    visitor = ScreenStrings("state.py", is_state=True)
    visitor.visit(ast.parse(state))
    assert [finding.text for finding in visitor.findings] == ["Enter an amount"]


def test_no_screen_module_holds_an_untranslated_sentence():
    findings = [finding for path in screen_modules() for finding in findings_in(path)]
    assert not findings, f"{len(findings)} sentences outside t() / self._t():\n" + "\n".join(map(str, findings))
