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

from tests.smoke.support import REPORTS

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


def test_swagger_ui_renders_in_headless_chromium(base_url, tmp_path):
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"needs Chromium at {CHROMIUM}: apt-get install chromium (or SMOKE_CHROMIUM)")
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    url = base_url + "/api/docs/"
    origin = _origin(base_url)
    outside: list[str] = []
    console_errors: list[str] = []
    failed: list[str] = []
    problems: list[str] = []

    def route(route_):
        request_url = route_.request.url
        if request_url.startswith(("data:", "blob:")) or _origin(request_url) == origin:
            route_.continue_()
        else:
            outside.append(request_url)
            route_.abort()

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),  # a fresh --user-data-dir for every run
            executable_path=CHROMIUM,
            headless=True,
            args=FLAGS,
            viewport={"width": 1280, "height": 900},
        )
        try:
            context.route("**/*", route)
            page = context.pages[0] if context.pages else context.new_page()
            page.on(
                "console",
                lambda message: (
                    console_errors.append(f"{message.text} ({message.location.get('url', '')})")
                    if message.type == "error"
                    else None
                ),
            )
            page.on("pageerror", lambda error: console_errors.append(f"uncaught: {error}"))
            page.on(
                "response",
                lambda response: (
                    failed.append(f"HTTP {response.status} {response.url}")
                    if response.status >= 400
                    else None
                ),
            )
            page.on(
                "requestfailed",
                lambda request: (
                    failed.append(f"{request.failure} {request.url}")
                    if _origin(request.url) == origin
                    else None
                ),
            )
            rendered: dict[str, str] = dict.fromkeys(OPERATIONS, "")
            shown: list[str | None] = []
            try:
                response = page.goto(url, wait_until="load", timeout=RENDER_TIMEOUT_MS)
            except PlaywrightError as exc:
                response = None
                problems.append(f"the page did not load: {str(exc).splitlines()[0]}")
            if response is not None and response.status != 200:
                problems.append(f"the page answered HTTP {response.status}, expected 200")
            if response is not None:
                try:  # Swagger UI fetches the schema, then renders every operation at once
                    page.wait_for_selector(".opblock-summary", timeout=RENDER_TIMEOUT_MS)
                except PlaywrightError:
                    problems.append(f"no operation rendered within {RENDER_TIMEOUT_MS // 1000}s")
                page.wait_for_load_state("networkidle", timeout=RENDER_TIMEOUT_MS)
                for operation_id in OPERATIONS:
                    selector = f'[id^="operations-"][id$="-{operation_id}"] .opblock-summary'
                    block = page.query_selector(selector)
                    rendered[operation_id] = " ".join(block.inner_text().split()) if block else ""
                shown = [
                    element.get_attribute("id") for element in page.query_selector_all(".opblock")
                ]
            page.screenshot(path=str(SCREENSHOT), full_page=True)
            title = page.title()
        finally:
            context.close()

    for operation_id, (method, path) in OPERATIONS.items():
        text = rendered[operation_id]
        if not (text.startswith(method) and path in text):
            problems.append(
                f"operation {operation_id} ({method} {path}) not rendered"
                + (f"; its block reads {text!r}" if text else f"; the page shows {shown}")
            )
    if outside:
        problems.append(f"it requested {len(outside)} URL(s) outside the server: {outside[:5]}")
    if console_errors:
        problems.append(f"console errors: {console_errors[:5]}")
    if failed:
        problems.append(f"failed requests: {failed[:5]}")
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
