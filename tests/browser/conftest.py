"""Real-browser fixtures: the app served by uvicorn on a loopback port, Debian's Chromium driven by Playwright.

- ``live_server``: ``create_app(Settings(embedder="fake"))`` over the fake-embedder index of the
  seed corpus, served by uvicorn in a background thread on a free 127.0.0.1 port; its base URL.
- ``browser``: one headless Chromium for the module (``/usr/bin/chromium``; Playwright's own
  browser download is never used). Without Chromium the tests skip locally and fail in CI.
- ``page``: a fresh page per test; JavaScript errors on it fail the test; on failure a screenshot
  is kept.
- ``artifacts``: the folder screenshots go to (``WTGUIDE_TEST_ARTIFACTS`` or a fixed folder under
  the system temp dir), printed at the end of the run.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.serving import ThreadServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]
ARTIFACTS_KEY = pytest.StashKey[Path]()
FAILED_KEY = pytest.StashKey[bool]()
# Read before the suite's autouse fixture clears WTGUIDE_* variables.
ARTIFACTS = Path(
    os.environ.get("WTGUIDE_TEST_ARTIFACTS") or Path(tempfile.gettempdir()) / "wtguide-artifacts" / "browser"
)


def _unavailable(reason: str) -> None:
    """CI must run the browser tests (.ci/run installs Chromium); a developer without it is told why they skipped."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so the browser tests must run: .ci/run installs Chromium)", pytrace=False)
    pytest.skip(f"{reason}; install it with: apt-get install chromium")


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    path = config.stash.get(ARTIFACTS_KEY, None)
    if path is not None:
        terminalreporter.write_line(f"browser screenshots: {path}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call":
        item.stash[FAILED_KEY] = report.failed
    return report


@pytest.fixture(scope="session")
def artifacts(request: pytest.FixtureRequest) -> Path:
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    request.config.stash[ARTIFACTS_KEY] = ARTIFACTS
    return ARTIFACTS


@pytest.fixture(scope="module")
def live_server(fake_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from api.app import create_app
    from wtguide.settings import Settings

    # The app's own data dir (feedback lands there) sees the shared read-only index through a link.
    data = tmp_path_factory.mktemp("browser-data")
    (data / "index").symlink_to(fake_index, target_is_directory=True)
    settings = Settings(data_dir=data, embedder="fake", rate_limit="1000/minute", _env_file=None)  # type: ignore[call-arg]
    assert settings.cors_origins == ["*"], "the widget test needs the default CORS allow-list"
    # No assistant handed in: the lifespan loads it, as `wtguide serve` does.
    with ThreadServer(create_app(settings)) as server:
        yield server.url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[dev]')")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, artifacts: Path, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    js_errors: list[str] = []
    page.on("pageerror", lambda exc: js_errors.append(str(exc)))
    yield page
    if request.node.stash.get(FAILED_KEY, False):
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        page.screenshot(path=str(artifacts / f"FAILED-{name}.png"), full_page=True)
    context.close()
    assert not js_errors, f"JavaScript errors on the page: {js_errors}"


HOST_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Northshire Safeguarding Children Partnership</title></head>
<body>
<main>
<h1>Northshire Safeguarding Children Partnership</h1>
<p>A partner's own page, served from another origin, that embeds the assistant with one script tag.</p>
</main>
<script src="{api}/widget.js" data-api="{api}"></script>
</body>
</html>
"""


@pytest.fixture(scope="module")
def widget_host(live_server: str) -> Iterator[str]:
    """A plain HTML page embedding the widget, served from another port (so another origin) than the API."""
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse
    from starlette.routing import Route

    html = HOST_PAGE.format(api=live_server)

    async def home(request: Any) -> HTMLResponse:
        return HTMLResponse(html)

    with ThreadServer(Starlette(routes=[Route("/", home)])) as server:
        assert server.port != int(live_server.rsplit(":", 1)[1])
        yield server.url + "/"
