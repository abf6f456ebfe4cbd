"""The house's layers, read from the code itself: every `import` of every module under app/,
at module level and inside functions (a function-level import is still a dependency; only
`if TYPE_CHECKING:` blocks are left out, as they never run).

    pages, components -> state -> services -> models, integrations
    api -> services
    services: core -> messaging -> money -> network -> counter -> shop -> printing -> reporting
              -> settlement -> access -> onboarding (each package imports only those before it,
              in the order app/services/__init__.py lists them)

And no import circle among app modules (module-level imports: a circle there breaks on import).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
WEB_FRAMEWORKS = ("reflex", "fastapi", "starlette")
# What sits above the services: the screens, the API, and the entry points that wire them up.
ABOVE_SERVICES = ("app.state", "app.pages", "app.components", "app.api", "app.background", "app.demo", "app.cli",
                  "app.app")


@dataclass(frozen=True)
class Import:
    importer: str  # the importing module, e.g. app.services.money.cards
    target: str  # what it names: a module, or a module's attribute (app.services.money.cards.BulkOutcome)
    line: int
    in_function: bool

    def __str__(self) -> str:
        where = " (in a function)" if self.in_function else ""
        return f"{self.importer}:{self.line} imports {self.target}{where}"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(APP.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports_in(path: Path) -> Iterator[Import]:
    importer = module_name(path)
    package = importer if path.name == "__init__.py" else importer.rpartition(".")[0]

    def walk(node: ast.AST, in_function: bool) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for branch in child.orelse:
                    yield from walk_one(branch, in_function)
                continue
            yield from walk_one(child, in_function)

    def walk_one(node: ast.AST, in_function: bool) -> Iterator[Import]:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(importer, alias.name, node.lineno, in_function)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            for alias in node.names:
                yield Import(importer, f"{source}.{alias.name}", node.lineno, in_function)
        else:
            yield from walk(node, in_function or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))

    yield from walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)), False)


@cache
def all_imports() -> tuple[Import, ...]:
    return tuple(found for path in sorted(APP.rglob("*.py")) for found in _imports_in(path))


@cache
def app_modules() -> frozenset[str]:
    return frozenset(module_name(path) for path in APP.rglob("*.py"))


def app_module(target: str) -> str | None:
    """The app module an import names (the longest module prefix of `target`), or None outside app."""
    parts = target.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in app_modules() and candidate != "app":
            return candidate
    return None


def within(module: str, *packages: str) -> bool:
    return any(module == package or module.startswith(package + ".") for package in packages)


def imports_of(*packages: str) -> list[Import]:
    return [found for found in all_imports() if within(found.importer, *packages)]


def app_imports_of(*packages: str) -> list[tuple[Import, str]]:
    """(the import, the app module it names) for every import of app modules by `packages`."""
    return [(found, target) for found in imports_of(*packages)
            if (target := app_module(found.target)) is not None and target != found.importer]


def service_packages() -> list[str]:
    """The services packages, lowest first, as app/services/__init__.py's docstring lists them."""
    docstring = ast.get_docstring(ast.parse((APP / "services" / "__init__.py").read_text(encoding="utf-8"))) or ""
    return re.findall(r"^- (\w+):", docstring, flags=re.MULTILINE)


def service_package(module: str) -> str | None:
    """The services package a module belongs to (app.services.money.cards -> money), else None."""
    parts = module.split(".")
    return parts[2] if len(parts) >= 3 and parts[:2] == ["app", "services"] else None


def cross_package_imports() -> list[tuple[Import, str, str]]:
    """(the import, its package, the package it names) for every import from one services package
    into another."""
    return [(found, importer, named) for found, target in app_imports_of("app.services")
            if (importer := service_package(found.importer)) and (named := service_package(target))
            and importer != named]


def listed(violations: list) -> str:
    return "\n".join(str(violation) for violation in violations)


def test_the_checks_read_every_module_of_the_house():
    found = app_modules()
    assert {"app.app", "app.services.money.ledger", "app.state.session", "app.pages.locations",
            "app.api.payouts", "app.models", "app.integrations.nacha"} <= found
    assert any(item.importer == "app.services.money.ledger" and item.target == "app.services.core.audit"
               for item in all_imports())


def test_the_services_import_no_web_framework():
    violations = [found for found in imports_of("app.services") if found.target.split(".")[0] in WEB_FRAMEWORKS]
    assert not violations, listed(violations)


def test_the_services_import_nothing_above_them():
    violations = [found for found, target in app_imports_of("app.services") if within(target, *ABOVE_SERVICES)]
    assert not violations, listed(violations)


def test_pages_and_components_import_only_the_state_and_each_other():
    violations = [found for found, target in app_imports_of("app.pages", "app.components")
                  if not within(target, "app.pages", "app.components", "app.state")]
    assert not violations, listed(violations)
    # Components are built for pages, never the other way round.
    upward = [found for found, target in app_imports_of("app.components") if within(target, "app.pages")]
    assert not upward, listed(upward)


def test_the_state_imports_services_never_the_api_or_the_screens_above_it():
    violations = [found for found, target in app_imports_of("app.state")
                  if within(target, "app.api", "app.pages", "app.components", "app.background", "app.demo",
                            "app.cli", "app.app")]
    assert not violations, listed(violations)
    assert any(within(target, "app.services") for _found, target in app_imports_of("app.state"))


def test_the_api_imports_services_never_the_screens():
    violations = [found for found, target in app_imports_of("app.api")
                  if within(target, "app.state", "app.pages", "app.components")]
    assert not violations, listed(violations)


def test_models_and_integrations_import_no_service_and_nothing_above():
    violations = [found for found, target in app_imports_of("app.models", "app.integrations")
                  if within(target, "app.services", *ABOVE_SERVICES)]
    assert not violations, listed(violations)


def test_the_docstring_lists_every_services_package_once():
    packages = service_packages()
    on_disk = sorted(path.parent.name for path in (APP / "services").glob("*/__init__.py"))
    assert sorted(packages) == on_disk
    assert len(set(packages)) == len(packages)


def test_each_services_package_imports_only_the_packages_before_it():
    order = service_packages()
    rank = {package: index for index, package in enumerate(order)}
    violations = [f"{found} ({importer} comes before {named} in {', '.join(order)})"
                  for found, importer, named in cross_package_imports() if rank[named] > rank[importer]]
    assert not violations, listed(violations)


def test_each_services_package_says_which_packages_it_imports():
    """Its docstring's "Imports from services: ..." names exactly the other packages it imports."""
    imported: dict[str, set[str]] = {package: set() for package in service_packages()}
    for _found, importer, named in cross_package_imports():
        imported[importer].add(named)
    for package in service_packages():
        docstring = ast.get_docstring(ast.parse((APP / "services" / package / "__init__.py").read_text(
            encoding="utf-8"))) or ""
        said = re.search(r"^Imports from services: (.*)\.$", docstring, flags=re.MULTILINE)
        assert said, f"app/services/{package}/__init__.py does not say what it imports"
        named = set() if said.group(1).startswith("nothing") else {name.strip() for name in said.group(1).split(",")}
        assert named == imported[package], (
            f"app/services/{package}/__init__.py says it imports {sorted(named)}, the code imports "
            f"{sorted(imported[package])}")


def _module_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {module: set() for module in app_modules()}
    for found in all_imports():
        target = app_module(found.target)
        if not found.in_function and target is not None and target != found.importer:
            graph[found.importer].add(target)
    return graph


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, following = work[-1]
            step = next(following, None)
            if step is not None:
                if step not in index:
                    index[step] = low[step] = len(index)
                    stack.append(step)
                    on_stack.add(step)
                    work.append((step, iter(sorted(graph[step]))))
                elif step in on_stack:
                    low[node] = min(low[node], index[step])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    circles.append(sorted(component))
    return circles


def test_the_circle_finder_sees_a_circle():
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _circles({"a": {"b"}, "b": set()}) == []


def test_no_import_circle_among_app_modules():
    circles = _circles(_module_graph())
    assert not circles, "\n".join(" <-> ".join(circle) for circle in circles)
