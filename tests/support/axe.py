"""axe-core in a Playwright page: the accessibility rules the e2e tests hold every screen to.

axe-core comes from the npm registry, pinned in the Makefile (`make deps` installs it into
`.tools/node_modules/axe-core`). `violations(page)` injects `axe.min.js` into the page and runs
`axe.run()` over the whole document; `serious_or_worse(page)` keeps the violations whose
impact is `serious` or `critical`, and `describe(...)` prints each with its id, impact, help
text and the nodes it was found on (their CSS selector and HTML), for a failing assertion.
"""

from __future__ import annotations

from pathlib import Path

from app.settings import PROJECT_ROOT

AXE_JS = Path(PROJECT_ROOT) / ".tools" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


def inject(page) -> None:
    """Put axe-core into the page (once). A page whose Content-Security-Policy names its script
    sources (the shop's gateway pages) refuses an inline script tag: axe is then evaluated
    through the browser's debugging channel, which the policy does not govern."""
    if not AXE_JS.is_file():
        raise FileNotFoundError(f"{AXE_JS} is missing: `make deps` installs axe-core into .tools")
    if page.evaluate("typeof window.axe !== 'undefined'"):
        return
    try:
        page.add_script_tag(path=str(AXE_JS))
    except Exception:  # noqa: BLE001 - refused by the page's policy: evaluated below instead
        pass
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;undefined")


def violations(page, context: str | None = None) -> list[dict]:
    """axe-core's violations for the page (or the part a CSS selector names)."""
    inject(page)
    return page.evaluate(
        """async (context) => {
            const result = await window.axe.run(context || document, {resultTypes: ['violations']});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html,
                                          summary: n.failureSummary}))
            }));
        }""",
        context,
    )


def serious_or_worse(page, context: str | None = None) -> list[dict]:
    return [v for v in violations(page, context) if v["impact"] in BLOCKING]


def describe(found: list[dict], where: str = "") -> str:
    """Each violation on its own lines: id, impact, help, then every node it was found on."""
    lines = []
    for violation in found:
        lines.append(f"{where} {violation['id']} ({violation['impact']}): {violation['help']}".strip())
        for node in violation["nodes"]:
            lines.append(f"    at {node['target']}: {node['html'][:240]}")
            if node.get("summary"):
                lines.append("      " + node["summary"].replace("\n", "\n      ")[:600])
    return "\n".join(lines)
