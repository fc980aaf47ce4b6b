"""The search page's zone in headless Chromium: the MapLibre map draws the footprints of the page's
datasets, « Dessiner une zone » then a drag on the map narrows the results in place with ``?bbox=`` in
the address, the four inputs do the same from the keyboard, and axe finds no serious violation."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def places(transactional_db):
    from ouvert.catalog import services
    from ouvert.core import services as core_services

    org = core_services.organisation_upsert(slug="ville-de-montreal", name_fr="Ville de Montréal",
                                            name_en="City of Montréal", kind="municipality")
    for name, title, box in [
        ("arrondissements-mtl", "Arrondissements de Montréal", (-73.98, 45.41, -73.47, 45.70)),
        ("arrondissements-qc", "Arrondissements de Québec", (-71.55, 46.73, -71.13, 46.99)),
    ]:
        services.dataset_create(actor=None, organisation=org, data={
            "name": name, "title_fr": title, "bbox_west": box[0], "bbox_south": box[1], "bbox_east": box[2],
            "bbox_north": box[3]})
    services.dataset_create(actor=None, organisation=org, data={"name": "budget", "title_fr": "Budget"})


def results(page):
    return page.locator(".catalog-results__list h3")


def test_draw_a_zone_and_type_one(live_server, page, assert_accessible, places):
    with page.expect_response(re.compile(r"/api/v1/geo/footprints\?ids=")) as footprints:
        page.goto(f"{live_server.url}/fr/catalogue/recherche/")
    body = footprints.value.json()
    assert sorted(f["properties"]["name"] for f in body["features"]) == ["arrondissements-mtl", "arrondissements-qc"]
    map_box = page.locator("#zone-carte")
    expect(map_box).to_be_visible()
    expect(map_box).to_have_attribute("data-ready", "true")
    expect(results(page)).to_have_count(3)
    assert_accessible(page)

    # Draw a zone over the western part of the map (Montréal's side; Québec is east).
    page.get_by_role("button", name="Dessiner une zone").click()
    expect(page.get_by_role("button", name="Dessiner une zone")).to_have_attribute("aria-pressed", "true")
    drawing = page.locator(".spatial-search__canvas canvas")
    drawing.scroll_into_view_if_needed()  # the mouse only reaches what the viewport shows
    canvas = drawing.bounding_box()
    x0, y0 = canvas["x"] + 5, canvas["y"] + 5
    x1, y1 = canvas["x"] + canvas["width"] * 0.4, canvas["y"] + canvas["height"] - 5
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=4)
    page.mouse.move(x1, y1, steps=4)
    page.mouse.up()
    page.wait_for_url(re.compile(r"[?&]bbox=-7\d"))
    expect(results(page)).to_have_count(1)
    expect(results(page).first).to_have_text("Arrondissements de Montréal")
    assert "ouest=" not in page.url
    assert float(page.locator("#zone-ouest").input_value()) < -73.98

    # The keyboard's way: the four inputs.
    for name, value in [("ouest", "-72"), ("sud", "46.5"), ("est", "-71"), ("nord", "47")]:
        page.locator(f"#zone-{name}").fill(value)
    page.locator("#zone-nord").press("Enter")
    page.wait_for_url(re.compile(r"bbox=-72%2C46\.5%2C-71%2C47|bbox=-72,46\.5,-71,47"))
    expect(results(page)).to_have_count(1)
    expect(results(page).first).to_have_text("Arrondissements de Québec")

    # The address is shareable: opened anew, the zone and the results are the same.
    page.goto(page.url)
    expect(results(page)).to_have_count(1)
    expect(page.locator("#zone-est")).to_have_value("-71")

    # Emptied, the four inputs mean no zone: every dataset again, and no bbox in the address.
    for name in ("ouest", "sud", "est", "nord"):
        page.locator(f"#zone-{name}").fill("")
    page.locator("#zone-nord").press("Enter")
    expect(results(page)).to_have_count(3)
    assert "bbox=" not in page.url
