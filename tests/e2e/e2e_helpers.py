"""Page helpers for the end-to-end tests (imported by the test modules and conftest)."""

from __future__ import annotations

import re

TABLET_LANDSCAPE = {"width": 1024, "height": 768}
TABLET_PORTRAIT = {"width": 768, "height": 1024}
PASSWORD = "e2e-password-long-enough"


def wait_ready(page) -> None:  # noqa: ANN001
    """Wait until Reflex has hydrated the page and its on_load handlers ran."""
    page.locator("#page-ready").wait_for(state="attached")


def open_page(page, path: str) -> None:  # noqa: ANN001
    """A full page load of `path`, then wait until it is live."""
    page.goto(path)
    wait_ready(page)


def path_of(page) -> str:  # noqa: ANN001
    return re.sub(r"^https?://[^/]+", "", page.url).split("?")[0].rstrip("/") or "/"


def wait_for_path(page, path: str) -> None:  # noqa: ANN001
    """Wait for the browser to be on `path` (Reflex may add a trailing slash)."""
    page.wait_for_url(re.compile(r"^https?://[^/]+" + re.escape(path.rstrip("/")) + r"/?(\?.*)?$"))


def log_in(page, email: str, password: str) -> None:  # noqa: ANN001
    """Sign in through /login and wait for the Activity screen."""
    open_page(page, "/login")
    page.fill("#login-email", email)
    page.fill("#login-password", password)
    page.click("#login-submit")
    wait_for_path(page, "/dashboard")
    page.locator("#operator-name").wait_for()
    wait_ready(page)
