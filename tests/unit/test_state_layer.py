"""The screens stay thin: no module in app/state or app/pages opens a database session.

Queries belong to the services (app/services), where every screen, the API and the tests
share them; a screen that imports the database layer has started deciding things itself.
The modules are read as text (ast), so nothing here imports Reflex.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[2] / "app"
SCREEN_MODULES = sorted(path for folder in ("state", "pages") for path in (APP / folder).rglob("*.py"))
# The database layer: the project's sessions, and the libraries that build queries.
DATABASE_MODULES = ("app.db", "sqlmodel", "sqlalchemy")


def _imported_modules(path: Path) -> list[str]:
    """Every module the file imports, at the top or inside a function."""
    imported = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            imported.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imported.append(node.module)
            # `from app import db` names the module through its package
            imported.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return imported


def _is_database_module(name: str) -> bool:
    return any(name == banned or name.startswith(banned + ".") for banned in DATABASE_MODULES)


def test_the_screens_are_found():
    names = {path.relative_to(APP).as_posix() for path in SCREEN_MODULES}
    assert {"state/cards.py", "state/redeem.py", "state/shop_admin.py", "state/feed.py", "pages/cards.py"} <= names


@pytest.mark.parametrize("path", SCREEN_MODULES, ids=lambda path: path.relative_to(APP).as_posix())
def test_no_screen_module_imports_the_database_layer(path: Path):
    offending = sorted({name for name in _imported_modules(path) if _is_database_module(name)})
    assert offending == [], f"{path.relative_to(APP)} imports {offending}: move the query into a service"


def test_the_check_sees_imports_inside_functions(tmp_path: Path):
    module = tmp_path / "screen.py"
    module.write_text("def load():\n    from app.db import read_session\n    from app import db\n"
                      "    import sqlalchemy.orm\n    from sqlmodel import select\n", encoding="utf-8")
    assert [name for name in _imported_modules(module) if _is_database_module(name)] == [
        "app.db", "app.db.read_session", "app.db", "sqlalchemy.orm", "sqlmodel", "sqlmodel.select"]
