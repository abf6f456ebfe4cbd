"""docs/testing.md lists every stable element id of every screen: this keeps the list whole.

The ids are read from the page code (app/pages, app/components, with their packages) without running it:
`id=` arguments and the arguments of helpers whose parameter is named `element_id`,
`*_id` or `prefix`. A literal is an exact id; `"card-link-" + row.last4` or
f"nav-{label}" gives a family, documented by its prefix (`card-link-<last4>`).
Fast (no app, no browser); it runs with the e2e suite because the list serves it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted([*(ROOT / "app" / "pages").rglob("*.py"), *(ROOT / "app" / "components").rglob("*.py")])
DOC = ROOT / "docs" / "testing.md"


def _id_params(tree: ast.AST) -> dict[str, dict[str, int]]:
    """Functions defined in a module -> {parameter name: position} of their id-like parameters."""
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            names = [a.arg for a in node.args.args] + [a.arg for a in node.args.kwonlyargs]
            params = {
                name: index
                for index, name in enumerate(names)
                if name == "element_id" or name.endswith("_id") and name != "card_id" or name == "prefix"
            }
            if params:
                found[node.name] = params
    return found


def _constants(tree: ast.Module) -> dict[str, str]:
    return {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def _value(node: ast.AST, constants: dict[str, str]) -> tuple[str, str] | None:
    """("exact", id) or ("prefix", start of a family of ids), or None when not static."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return ("exact", node.value) if node.value else None
    if isinstance(node, ast.Name) and node.id in constants:
        return ("exact", constants[node.id])
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left = _value(node.left, constants)
        return ("prefix", left[1]) if left else None
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
        return ("prefix", node.values[0].value)
    return None


def element_ids() -> dict[tuple[str, str], str]:
    """{("exact"|"prefix", id): "file:line"} for every statically known id."""
    trees = {path: ast.parse(path.read_text(), filename=str(path)) for path in SOURCES}
    shared: dict[str, dict[str, int]] = {}
    for tree in trees.values():
        shared.update(_id_params(tree))
    found: dict[tuple[str, str], str] = {}
    for path, tree in trees.items():
        local = {**shared, **_id_params(tree)}
        constants = _constants(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            candidates = [kw.value for kw in node.keywords if kw.arg == "id"]
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            families = []  # a `prefix` parameter names a family of ids (prefix-cancel, prefix-confirm)
            for param, index in local.get(name, {}).items():
                given = [kw.value for kw in node.keywords if kw.arg == param]
                if index < len(node.args):
                    given.append(node.args[index])
                (families if param == "prefix" else candidates).extend(given)
            for candidate in candidates + families:
                value = _value(candidate, constants)
                if value:
                    kind = "prefix" if candidate in families else value[0]
                    found.setdefault((kind, value[1]), f"{path.relative_to(ROOT)}:{candidate.lineno}")
    return found


def test_every_element_id_is_in_docs_testing_md():
    doc = DOC.read_text()
    missing = [
        f"{where}: {kind} `{value}`"
        for (kind, value), where in sorted(element_ids().items(), key=lambda item: item[1])
        if (f"`{value}`" not in doc if kind == "exact" else f"`{value}" not in doc)
    ]
    assert not missing, (
        "Element ids missing from docs/testing.md (add each to its screen's table, "
        "a family as `prefix-<what>`):\n" + "\n".join(missing)
    )


def test_docs_testing_md_lists_no_id_that_is_gone():
    """The first column of each id table names only ids the code still renders."""
    ids = element_ids()
    exact = {value for kind, value in ids if kind == "exact"}
    prefixes = [value for kind, value in ids if kind == "prefix"]
    stale = []
    for line in DOC.read_text().splitlines():
        if not line.startswith("| `"):
            continue
        for token in line.split("|")[1].split("`")[1::2]:
            family = token.split("<")[0]
            if "/" in token:
                continue  # a path, not an id
            if "<" in token:
                known = not family or any(p.startswith(family) or family.startswith(p) for p in prefixes)
            else:  # exact, or derived from one (`confirm_id + "-cancel"`), or in a family
                known = token in exact or any(token.startswith(e + "-") for e in exact) or any(
                    token.startswith(p) for p in prefixes
                )
            if not known:
                stale.append(token)
    assert not stale, "docs/testing.md lists ids no screen renders any more: " + ", ".join(stale)


def test_the_reader_finds_ids():
    ids = element_ids()
    assert ("exact", "login-submit") in ids
    assert ("exact", "login-error") in ids  # through error_callout's element_id
    assert ("exact", "card-balance") in ids  # through _figure's element_id
    assert ("prefix", "card-link-") in ids
    assert ("prefix", "nav-") in ids
