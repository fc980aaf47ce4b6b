"""Headless Chromium through Playwright's sync API, against pytest-django's live server.

Never downloads a browser: Debian's /usr/bin/chromium is used (``.ci/run`` installs it).
When it is missing the browser tests fail with a message that says so; nothing is
skipped silently.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VENDOR = Path(__file__).resolve().parents[2] / "src" / "ouvert" / "static" / "vendor"
SERIOUS = {"serious", "critical"}


@pytest.fixture(scope="module")
def browser():
    """Chromium for one test module; Playwright's event loop stops with it.

    Playwright's sync API runs an event loop in this thread, so Django refuses ORM calls
    ("You cannot call this from an async context") although they are synchronous and safe
    here: DJANGO_ALLOW_ASYNC_UNSAFE is set only while the loop runs, then restored, so that
    other tests (and the subprocesses they start) never see it.
    """
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's chromium "
            "(sudo apt-get install chromium; .ci/run installs it).",
            pytrace=False,
        )
    if not (VENDOR / "htmx.min.js").exists():
        pytest.fail(f"{VENDOR} has no built front-end files: run `make static` (or `make test`).", pytrace=False)
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _french_tab(browser, *, tolerated: str = ""):
    """A fresh French-speaking tab (no cookies) that fails the test on any JavaScript error, except console
    errors containing ``tolerated``."""
    context = browser.new_context(locale="fr-CA", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.on("console", lambda message: errors.append(message.text)
           if message.type == "error" and not (tolerated and tolerated in message.text) else None)
    yield tab
    context.close()
    assert not errors, f"JavaScript errors in the page: {errors}"


@pytest.fixture
def page(browser):
    """A fresh French-speaking browser tab (no cookies), failing on any JavaScript error."""
    yield from _french_tab(browser)


@pytest.fixture
def page_with_400(browser):
    """The ``page`` fixture's tab, except that it lets pass the 400 of a form sent with errors (Chromium logs it
    as a console error)."""
    yield from _french_tab(browser, tolerated="status of 400")


@pytest.fixture
def assert_accessible():
    """``assert_accessible(page)``: axe finds no serious or critical violation on the page."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(tab):
        results = axe.run(tab)
        violations = [v for v in results.response["violations"] if v.get("impact") in SERIOUS]
        if violations:
            lines = [f"axe on {tab.url}: {len(violations)} serious or critical violation(s)"]
            for violation in violations:
                lines.append(f"- [{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})")
                for node in violation["nodes"][:5]:
                    lines.append(f"    {node.get('target')}: {node.get('failureSummary', '').strip()}")
            message = "\n".join(lines)
            print(message)
            pytest.fail(message, pytrace=False)
        return results

    return check


@pytest.fixture
def action_plan(transactional_db):
    """The real 2021-2023 plan, with the illustrative demo progress, in the live server's database."""
    from ouvert.plan import demo

    demo.load()
    from ouvert.plan.models import ActionPlan

    return ActionPlan.objects.get()
