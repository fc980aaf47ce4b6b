"""A person's journey in headless Chromium: home page, English, the plan, milestone 1.4.

axe (axe-playwright-python) must find no serious or critical violation on any page visited.
"""

import re

import pytest
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _url(name: str, language: str, **kwargs) -> str:
    with translation.override(language):
        return reverse(name, kwargs=kwargs or None)


def _no_horizontal_scroll(page) -> tuple[int, int]:
    return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


def test_home_english_plan_and_milestone(live_server, page, assert_accessible, action_plan):
    from ouvert.plan.models import Milestone

    milestone = Milestone.objects.select_related("lead").get(plan=action_plan, number="1.4")
    numbers = set(Milestone.objects.filter(plan=action_plan).values_list("number", flat=True))
    assert len(numbers) == 16

    # Home page, French by default.
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/fr/$"))
    expect(page.locator("html")).to_have_attribute("lang", "fr-CA")
    expect(page.get_by_role("link", name="Passer au contenu")).to_be_attached()
    expect(page.get_by_role("navigation", name="Navigation principale")).to_be_visible()
    assert_accessible(page)

    # Switch to English.
    page.get_by_role("button", name="English").click()
    page.wait_for_url(re.compile(r"/en/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en-CA")
    expect(page.get_by_role("button", name="Français")).to_be_visible()
    # The interface is translated (compiled catalogue), not only the content.
    expect(page.get_by_role("link", name="Skip to content")).to_be_attached()
    expect(page.get_by_role("navigation", name="Main navigation")).to_be_visible()
    assert_accessible(page)

    # The plan overview, from the main navigation.
    overview = _url("plan:overview", "en")
    assert overview.startswith("/en/")
    page.locator(f'nav.site-nav a[href="{overview}"]').click()
    page.wait_for_url(f"{live_server.url}{overview}")
    expect(page.locator(f'nav.site-nav a[href="{overview}"]')).to_have_attribute("aria-current", "page")
    table = page.locator("main table").first
    expect(table).to_be_visible()
    hrefs = page.locator('main a[href*="/jalons/"]').evaluate_all("links => links.map(a => a.pathname)")
    listed = {m.group(1) for href in hrefs if (m := re.search(r"/jalons/([0-9.]+)/$", href))}
    assert listed == numbers, f"the overview lists milestones {sorted(listed)}"
    assert_accessible(page)

    # Milestone 1.4, by clicking its link.
    page.locator('main a[href$="/jalons/1.4/"]').first.click()
    page.wait_for_url(re.compile(r"/en/.*/jalons/1\.4/$"))
    main = page.locator("main")
    expect(page.locator("h1")).to_contain_text(milestone.title_en)
    expect(main).to_contain_text(milestone.lead.acronym or milestone.lead.name_en)
    expect(main).to_contain_text("2022")
    assert_accessible(page)

    # Back to French: the same milestone, in French.
    english_path = page.evaluate("location.pathname")
    page.get_by_role("button", name="Français").click()
    page.wait_for_url(re.compile(r"/fr/.*/jalons/1\.4/$"))
    assert page.evaluate("location.pathname") == "/fr/" + english_path[len("/en/"):]
    expect(page.locator("html")).to_have_attribute("lang", "fr-CA")
    expect(page.locator("h1")).to_contain_text(milestone.title_fr)
    assert_accessible(page)


def test_overview_fits_a_360_px_screen(live_server, browser, assert_accessible, action_plan):
    context = browser.new_context(locale="fr-CA", viewport={"width": 360, "height": 740})
    try:
        page = context.new_page()
        for path in (_url("core:home", "fr"), _url("plan:overview", "fr")):
            page.goto(f"{live_server.url}{path}")
            width, viewport = _no_horizontal_scroll(page)
            assert width <= viewport, f"{path} scrolls sideways at 360 px ({width} > {viewport})"
        # The wide table scrolls inside its own labelled, focusable container.
        table = page.locator("main table").first
        expect(table).to_be_visible()
        wrapper = table.locator("xpath=..")
        expect(wrapper).to_have_attribute("role", "region")
        expect(wrapper).to_have_attribute("tabindex", "0")
        assert wrapper.get_attribute("aria-label") or wrapper.get_attribute("aria-labelledby")
        assert wrapper.evaluate("el => getComputedStyle(el).overflowX") in {"auto", "scroll"}
        box = wrapper.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360
        assert_accessible(page)
    finally:
        context.close()


def test_dashboard_chart_renders_beside_its_table(live_server, page, assert_accessible, action_plan):
    page.goto(f"{live_server.url}{_url('plan:dashboard', 'fr')}")
    chart = page.locator("[data-vega-spec]").first
    expect(chart).to_have_attribute("data-vega-rendered", "ok")
    expect(chart.locator("svg").first).to_be_visible()
    expect(chart).to_have_attribute("role", "img")
    assert chart.get_attribute("aria-label")
    # The figures stay available as an HTML table.
    expect(page.locator("main table").first).to_be_visible()
    # Vega is loaded only on pages with charts.
    page.goto(f"{live_server.url}{_url('core:home', 'fr')}")
    assert page.evaluate("typeof window.vegaEmbed") == "undefined"
    assert_accessible(page)
