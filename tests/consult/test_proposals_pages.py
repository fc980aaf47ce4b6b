"""The proposals pages: list (filters, sort, map, pagination), proposal page, create form, support
button with and without JavaScript, answer form, amendments; error paths and query counts."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from ouvert.consult import services
from ouvert.consult.models import Amendment, Category, Proposal, Support

pytestmark = pytest.mark.django_db

BODY = "Créer un registre public des logements vacants, mis à jour chaque trimestre."


def url(name, process, **kwargs):
    return reverse(f"consult:{name}", kwargs={"slug": process.slug, **kwargs})


def make(process, user, title="Registre des logements vacants", **kwargs):
    return services.proposal_create(process=process, user=user, title=title, body=kwargs.pop("body", BODY), **kwargs)


def test_list_page_shows_filters_sorts_and_remaining_supports(client, process_factory, citizens):
    process = process_factory(support_limit=5, support_threshold=10)
    Category.objects.create(process=process, name_fr="Logement social")
    make(process, citizens[0], latitude="46.81", longitude="-71.21", address="Québec")
    make(process, citizens[1], title="Taxe sur les logements vacants")
    client.force_login(citizens[2])
    response = client.get(url("proposals", process))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Registre des logements vacants" in html and "Taxe sur les logements vacants" in html
    assert "Il vous reste 5 appui(s) sur 5" in html
    assert "Logement social" in html and 'id="p-sort"' in html
    assert "proposals-map-config" in html  # one located proposal: the map and its data
    assert url("proposal_new", process) in html


def test_list_page_bad_filter_is_400_and_unknown_page_404(client, process, citizens):
    make(process, citizens[0])
    assert client.get(url("proposals", process), {"sort": "n'importe"}).status_code == 400
    assert client.get(url("proposals", process), {"page": "-2"}).status_code == 400
    assert client.get(url("proposals", process), {"page": "40"}).status_code == 404
    assert client.get(reverse("consult:proposals", kwargs={"slug": "inconnue"})).status_code == 404


@override_settings(OUVERT_CONSULT_POSTS_PER_MINUTE=1000)
def test_list_and_page_query_counts_do_not_grow(client, process, citizens, django_assert_max_num_queries):
    for n in range(30):
        proposal = make(process, citizens[n % 4], title=f"Proposition numéro {n}",
                        latitude="46.8" if n % 2 else None, longitude="-71.2" if n % 2 else None)
        if n % 3 == 0:
            services.proposal_support(proposal=proposal, user=citizens[(n + 1) % 4])
    client.force_login(citizens[0])
    client.get(url("proposals", process))  # warm caches (sessions, content types)
    with django_assert_max_num_queries(20) as small:
        assert client.get(url("proposals", process)).status_code == 200
    for n in range(30, 60):
        make(process, citizens[n % 4], title=f"Proposition numéro {n}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url("proposals", process), {"page": 2}).status_code == 200
    with django_assert_max_num_queries(25):
        assert client.get(url("proposal", process, number=1)).status_code == 200


def test_proposal_page_renders_sanitised_markdown(client, process, citizens):
    proposal = make(process, citizens[0], title="Titre <b>gras</b>",
                    body="**Important** <script>alert('x')</script> [clic](javascript:alert(1))")
    response = client.get(url("proposal", process, number=proposal.number))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>Important</strong>" in html
    assert "<script>alert" not in html and "javascript:alert" not in html
    assert "Titre &lt;b&gt;gras&lt;/b&gt;" in html


def test_create_form_get_post_and_errors(client, process, citizens):
    new = url("proposal_new", process)
    assert client.get(new).status_code == 302  # sign in first
    client.force_login(citizens[0])
    assert client.get(new).status_code == 200
    response = client.post(new, {"title": "x", "body": "court"})
    assert response.status_code == 400 and 'role="alert"' in response.content.decode()
    assert not Proposal.objects.exists()
    pdf = SimpleUploadedFile("plan.pdf", b"%PDF-1.4\n%%EOF", content_type="application/pdf")
    response = client.post(new, {"title": "Registre des logements vacants", "body": BODY, "latitude": "46.8",
                                 "longitude": "-71.2", "address": "Québec", "attachment": pdf})
    proposal = Proposal.objects.get()
    assert response.status_code == 302 and response["Location"] == url("proposal", process, number=1)
    assert proposal.attachment.name.endswith(".pdf")
    page = client.get(response["Location"]).content.decode()
    assert "Pièce jointe" in page and "proposal-map-config" in page


@override_settings(OUVERT_CONSULT_POSTS_PER_MINUTE=1)
def test_create_too_fast_is_429(client, process, citizens):
    client.force_login(citizens[0])
    make(process, citizens[0])
    response = client.post(url("proposal_new", process), {"title": "Une autre proposition", "body": BODY})
    assert response.status_code == 429 and Proposal.objects.count() == 1


def test_create_refused_when_phase_closed(client, process, citizens, phase_move):
    phase_move(process, "analysis")
    client.force_login(citizens[0])
    response = client.get(url("proposal_new", process))
    assert "pas ouverte" in response.content.decode()
    response = client.post(url("proposal_new", process), {"title": "Registre des logements", "body": BODY})
    assert response.status_code == 403 and not Proposal.objects.exists()


def test_support_without_and_with_javascript(client, process, citizens):
    proposal = make(process, citizens[0])
    support = url("proposal_support", process, number=proposal.number)
    assert client.post(support).status_code == 302  # to sign in
    assert not Support.objects.exists()
    client.force_login(citizens[1])
    response = client.post(support, {"action": "support"})
    assert response.status_code == 302 and Proposal.objects.get().supports_count == 1
    response = client.post(support, {"action": "support"})  # double submit
    assert Proposal.objects.get().supports_count == 1
    response = client.post(support, {"action": "unsupport"}, headers={"X-Requested-With": "fetch"})
    assert response.json() == {"supports_count": 0, "supported": False, "remaining": None}
    response = client.post(support, {"action": "support"}, headers={"X-Requested-With": "fetch"})
    assert response.json()["supports_count"] == 1
    assert "Retirer mon appui" in client.get(url("proposal", process, number=1)).content.decode()


def test_support_refused_json(client, process_factory, citizens):
    process = process_factory(components=["proposals"])
    proposal = make(process, citizens[0])
    client.force_login(citizens[1])
    response = client.post(url("proposal_support", process, number=proposal.number), {"action": "support"},
                           headers={"X-Requested-With": "fetch"})
    assert response.status_code == 403 and "pas ouverte" in response.json()["detail"]


def test_answer_form(client, process, citizens, organiser):
    proposal = make(process, citizens[0])
    answer = url("proposal_answer", process, number=proposal.number)
    client.force_login(citizens[1])
    assert "Répondre officiellement" not in client.get(url("proposal", process, number=1)).content.decode()
    assert client.post(answer, {"status": "accepted", "answer_fr": "Oui"}).status_code == 403
    client.force_login(organiser)
    assert "Répondre officiellement" in client.get(url("proposal", process, number=1)).content.decode()
    response = client.post(answer, {"status": "rejected", "answer_fr": ""})
    assert response.status_code == 400 and "pourquoi" in response.content.decode()
    assert Proposal.objects.get().status == Proposal.Status.PUBLISHED
    response = client.post(answer, {"status": "accepted", "answer_fr": "Le registre sera créé en 2027."})
    assert response.status_code == 302
    page = client.get(url("proposal", process, number=1)).content.decode()
    assert "Réponse officielle" in page and "Le registre sera créé en 2027." in page


def test_hidden_proposal_is_404_for_public(client, process, citizens, organiser):
    proposal = make(process, citizens[0])
    Proposal.objects.filter(pk=proposal.pk).update(is_hidden=True)
    assert client.get(url("proposal", process, number=1)).status_code == 404
    assert "Registre" not in client.get(url("proposals", process)).content.decode()
    client.force_login(organiser)
    page = client.get(url("proposal", process, number=1)).content.decode()
    assert "Masquée par la modération" in page


def test_edit_withdraw_follow_and_amendments(client, process_factory, citizens):
    process = process_factory(amendments_enabled=True)
    proposal = make(process, citizens[0])
    client.force_login(citizens[1])
    assert client.get(url("proposal_edit", process, number=1)).status_code == 403
    response = client.post(url("amendment_new", process, number=1),
                           {"title": "Registre public des logements vacants", "body": BODY + " Par quartier."})
    assert response.status_code == 302
    amendment = Amendment.objects.get()
    assert client.post(url("proposal_follow", process, number=1), {"action": "follow"}).status_code == 302
    client.force_login(citizens[0])
    response = client.post(url("proposal_edit", process, number=1), {"title": "Registre revu", "body": BODY})
    assert response.status_code == 302 and Proposal.objects.get().title == "Registre revu"
    decide = url("amendment_decide", process, number=1, pk=amendment.pk)
    assert client.post(decide, {"decision": "n'importe"}).status_code == 400
    assert client.post(decide, {"decision": "accept"}).status_code == 302
    assert Proposal.objects.get().title == "Registre public des logements vacants"
    assert client.post(url("proposal_withdraw", process, number=proposal.number)).status_code == 302
    assert Proposal.objects.get().status == Proposal.Status.WITHDRAWN
