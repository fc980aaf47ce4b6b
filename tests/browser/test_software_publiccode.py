"""publiccode.yml in headless Chromium: anyone uploads a non-conforming file and reads its errors by key path,
then pastes a conforming one; the team imports a real file and downloads the entry's publiccode.yml. axe finds no
serious or critical violation on these pages, on a desktop and on a phone-sized screen."""

from pathlib import Path

import pytest
import yaml
from playwright.sync_api import expect

from tests.browser.session import login
from tests.software.conftest import *  # noqa: F403  (fixtures: team, sct…)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DATA = Path(__file__).resolve().parents[1] / "software" / "data"


def test_validate_then_import_then_export(live_server, page_with_400, assert_accessible, team):
    page = page_with_400
    page.goto(f"{live_server.url}/fr/logiciel-libre/publiccode/valider/")
    expect(page.locator("h1")).to_have_text("Valider un publiccode.yml")
    assert_accessible(page)

    page.get_by_label("Fichier publiccode.yml").set_input_files(str(DATA / "catala_publiccode_2023_incomplete.yml"))
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_role("alert")).to_contain_text("9 erreurs")
    errors = page.locator("#pc-erreurs")
    expect(errors.get_by_role("rowheader", name="legal.license")).to_be_visible()
    expect(errors.locator("tr", has_text="legal.license")).to_contain_text("écrivez « Apache-2.0 »")
    assert_accessible(page)

    page.get_by_label("Ou collez son contenu").fill((DATA / "amsterdam_signals-frontend_publiccode.yml").read_text())
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_role("status")).to_contain_text("conforme au standard (version 0.2)")
    page.set_viewport_size({"width": 375, "height": 740})
    assert_accessible(page)
    page.set_viewport_size({"width": 1280, "height": 900})

    login(page, live_server, team)
    page.goto(f"{live_server.url}/fr/logiciel-libre/publiccode/importer/")
    page.get_by_label("Fichier publiccode.yml").set_input_files(str(DATA / "catala_publiccode.yml"))
    page.get_by_role("button", name="Importer").click()
    expect(page.get_by_role("status")).to_contain_text("Fiche créée : Catala")
    expect(page.get_by_text("https://github.com/CatalaLang.png", exact=False)).to_be_visible()
    assert_accessible(page)

    from ouvert.software.models import Software

    slug = Software.objects.get().slug
    response = page.request.get(f"{live_server.url}/fr/logiciel-libre/catalogue/{slug}/publiccode.yml")
    assert response.status == 200
    assert response.headers["content-type"] == "text/yaml; charset=utf-8"
    document = yaml.safe_load(response.text())
    assert document["name"] == "Catala" and document["legal"]["license"] == "Apache-2.0"
