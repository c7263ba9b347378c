"""Browser tests: Playwright drives Debian's Chromium (never a downloaded browser) against
``live_server``, and axe-core checks every page the browser loads.

In CI a missing Chromium is a failure, not a skip: the launch below simply fails.
"""

import os

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

# Playwright's sync API runs an event loop in the main thread; Django's ORM then refuses
# synchronous calls in tests that use `page`. Tests only.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# How long an expectation waits for the page (Playwright's default is 5 s). A passing test waits
# no longer for it; on a busy two-core machine (CI runs both databases' suites, each with its
# Chromium and live server) a page that answers in 6 s is slow, not wrong.
expect.set_options(timeout=15_000)

SKIPPED_RUNS = ("context was destroyed", "navigat", "already running")
BLOCKING_IMPACTS = {"minor", "moderate", "serious", "critical"}  # issue 13: every impact


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_FLAGS],
    }


class AxeAudit:
    """Runs axe-core after every page load and collects its violations (every impact)."""

    def __init__(self, page):
        self.page = page
        self.axe = Axe()
        self.checked: list[str] = []
        self.violations: list[str] = []
        self.running = False

    def __call__(self, *_args) -> None:
        url = self.page.url
        self.running = True
        try:
            results = self.axe.run(self.page)
        except Exception as error:
            # The page navigated on while axe ran (the next load checks it), or another check of
            # this page is under way (the load handler and ``browse`` both asked).
            if any(s in str(error) for s in SKIPPED_RUNS):
                return
            raise
        finally:
            self.running = False
        self.checked.append(url)
        for violation in results.response["violations"]:
            if violation["impact"] in BLOCKING_IMPACTS:
                targets = [node["target"] for node in violation["nodes"]]
                self.violations.append(
                    f"{url}: {violation['id']} ({violation['impact']}): {violation['help']} "
                    f"at {targets}"
                )


@pytest.fixture
def axe_audit(page):
    audit = AxeAudit(page)
    page.on("load", audit)
    yield audit
    page.remove_listener("load", audit)
    if not audit.checked and page.url.startswith("http"):
        # The load handler can lose a race with what the test did next (a key press, an
        # in-page navigation): check the page as it stands now instead.
        audit()
    assert audit.checked, "axe never ran: the test visited no page"
    assert not audit.violations, "accessibility violations:\n" + "\n".join(audit.violations)


@pytest.fixture
def browse(page, live_server, axe_audit):
    """A page whose every load is checked by axe; returns a function that opens a path.

    A page opened this way is checked even when the test moves on at once (the load handler
    can lose that race: its check is then dropped)."""

    def go(path: str):
        checked = len(axe_audit.checked)
        page.goto(f"{live_server.url}{path}")
        for _ in range(100):  # a check the load handler began finishes first
            if not axe_audit.running:
                break
            page.wait_for_timeout(50)
        if len(axe_audit.checked) == checked:
            axe_audit()
        return page

    return go


@pytest.fixture
def another_browser(page):
    """Opens another person's browser (own cookies), checked by axe like ``browse``; closed
    at the end of the test so no connection to the live server is left open."""
    contexts, audits = [], []

    def open_browser():
        context = page.context.browser.new_context()
        contexts.append(context)
        other = context.new_page()
        audit = AxeAudit(other)
        other.on("load", audit)
        audits.append(audit)
        return other

    yield open_browser
    for audit in audits:
        if not audit.checked and audit.page.url.startswith("http"):
            audit()  # as in axe_audit: the last load's check may have lost a race
    for context in contexts:
        context.close()
    for audit in audits:
        assert audit.checked, "axe never ran in the other browser"
        assert not audit.violations, "accessibility violations:\n" + "\n".join(audit.violations)
