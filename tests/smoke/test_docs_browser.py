"""Swagger UI in a real headless Chromium (Debian's chromium package, driven by Playwright).

The page must render the three user operations, load nothing from outside the deployment and
log no console error. A screenshot goes to reports/smoke-swagger-ui.png (or SMOKE_SCREENSHOT)
whatever the outcome.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from harness.smoke.client import REPORTS

CHROMIUM = os.environ.get("SMOKE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# A closed network: nothing in the background (updates, sync, QUIC probes), no GPU, no sandbox
# (CI runs as root, where Chromium's sandbox cannot start).
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OPERATIONS = {
    "createUser": ("POST", "/api/users/"),
    "listUsers": ("GET", "/api/users/"),
    "getUser": ("GET", "/api/users/{id}/"),
}
RENDER_TIMEOUT_MS = 30_000
SCREENSHOT = Path(os.environ.get("SMOKE_SCREENSHOT") or REPORTS / "smoke-swagger-ui.png")


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


class PageWatch:
    """What the page does besides rendering: requests outside the server (aborted), console
    errors and uncaught exceptions, and failed requests."""

    def __init__(self, origin: tuple[str, str]):
        self.origin = origin
        self.outside: list[str] = []
        self.console_errors: list[str] = []
        self.failed: list[str] = []

    def route(self, route_) -> None:
        request_url = route_.request.url
        if request_url.startswith(("data:", "blob:")) or _origin(request_url) == self.origin:
            route_.continue_()
        else:
            self.outside.append(request_url)
            route_.abort()

    def _console(self, message) -> None:
        if message.type == "error":
            self.console_errors.append(f"{message.text} ({message.location.get('url', '')})")

    def _response(self, response) -> None:
        if response.status >= 400:
            self.failed.append(f"HTTP {response.status} {response.url}")

    def _request_failed(self, request) -> None:
        if _origin(request.url) == self.origin:
            self.failed.append(f"{request.failure} {request.url}")

    def attach(self, page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.console_errors.append(f"uncaught: {error}"))
        page.on("response", self._response)
        page.on("requestfailed", self._request_failed)

    def problems(self) -> list[str]:
        problems = []
        if self.outside:
            problems.append(
                f"it requested {len(self.outside)} URL(s) outside the server: {self.outside[:5]}"
            )
        if self.console_errors:
            problems.append(f"console errors: {self.console_errors[:5]}")
        if self.failed:
            problems.append(f"failed requests: {self.failed[:5]}")
        return problems


def launch(playwright, tmp_path: Path):
    return playwright.chromium.launch_persistent_context(
        str(tmp_path / "chromium-profile"),  # a fresh --user-data-dir for every run
        executable_path=CHROMIUM,
        headless=True,
        args=FLAGS,
        viewport={"width": 1280, "height": 900},
    )


def render(page, url: str, problems: list[str]) -> tuple[dict[str, str], list[str | None]]:
    """Open the docs; return each operation's summary text and the ids of the blocks shown."""
    from playwright.sync_api import Error as PlaywrightError

    rendered: dict[str, str] = dict.fromkeys(OPERATIONS, "")
    shown: list[str | None] = []
    try:
        response = page.goto(url, wait_until="load", timeout=RENDER_TIMEOUT_MS)
    except PlaywrightError as exc:
        response = None
        problems.append(f"the page did not load: {str(exc).splitlines()[0]}")
    if response is not None and response.status != 200:
        problems.append(f"the page answered HTTP {response.status}, expected 200")
    if response is None:
        return rendered, shown
    try:  # Swagger UI fetches the schema, then renders every operation at once
        page.wait_for_selector(".opblock-summary", timeout=RENDER_TIMEOUT_MS)
    except PlaywrightError:
        problems.append(f"no operation rendered within {RENDER_TIMEOUT_MS // 1000}s")
    page.wait_for_load_state("networkidle", timeout=RENDER_TIMEOUT_MS)
    for operation_id in OPERATIONS:
        selector = f'[id^="operations-"][id$="-{operation_id}"] .opblock-summary'
        block = page.query_selector(selector)
        rendered[operation_id] = " ".join(block.inner_text().split()) if block else ""
    shown = [element.get_attribute("id") for element in page.query_selector_all(".opblock")]
    return rendered, shown


def missing_operations(rendered: dict[str, str], shown: list[str | None]) -> list[str]:
    problems = []
    for operation_id, (method, path) in OPERATIONS.items():
        text = rendered[operation_id]
        if not (text.startswith(method) and path in text):
            problems.append(
                f"operation {operation_id} ({method} {path}) not rendered"
                + (f"; its block reads {text!r}" if text else f"; the page shows {shown}")
            )
    return problems


def test_swagger_ui_renders_in_headless_chromium(base_url, tmp_path):
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"needs Chromium at {CHROMIUM}: apt-get install chromium (or SMOKE_CHROMIUM)")
    from playwright.sync_api import sync_playwright

    url = base_url + "/api/docs/"
    watch = PageWatch(_origin(base_url))
    problems: list[str] = []

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        context = launch(playwright, tmp_path)
        try:
            context.route("**/*", watch.route)
            page = context.pages[0] if context.pages else context.new_page()
            watch.attach(page)
            rendered, shown = render(page, url, problems)
            page.screenshot(path=str(SCREENSHOT), full_page=True)
            title = page.title()
        finally:
            context.close()

    problems += missing_operations(rendered, shown) + watch.problems()
    if problems:
        pytest.fail(
            f"GET {url} in headless Chromium (page title {title!r})\n"
            "  expected: Swagger UI with createUser, listUsers and getUser, only same-origin "
            "requests, no console error\n  got:\n"
            + "\n".join(f"    - {problem}" for problem in problems)
            + f"\n  screenshot: {SCREENSHOT}",
            pytrace=False,
        )
    print(f"Swagger UI rendered {', '.join(rendered.values())}; screenshot {SCREENSHOT}")
