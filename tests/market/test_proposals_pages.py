"""The proposal's pages with Django's client: the editor (with attachments), the submission's confirmation
step, the receipt and its downloads, withdrawal, the dashboard; and their refusals: a huge upload (413), a file
of the wrong kind or empty, missing attestations, a stale revision (409), a late submit (403, the deadline
stated), a reader who may not write — nothing stored changes, and typed HTML comes back escaped."""

import datetime
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from proposals_kit import content_for, owner, save, save_and_submit

from ouvert.core import services as core_services
from ouvert.core.models import Membership
from ouvert.market import proposals
from ouvert.market.models import Proposal, Submission

pytestmark = pytest.mark.django_db

DEADLINE = datetime.datetime(2026, 12, 15, 19, 0, tzinfo=datetime.UTC)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def opportunity(opportunity_factory, time_machine):
    time_machine.move_to(DEADLINE - datetime.timedelta(days=2, hours=3), tick=False)
    return opportunity_factory(deadline=DEADLINE)


@pytest.fixture
def signed_in(client, supplier_a, opportunity):  # after the clock moved: the session must not expire
    client.force_login(supplier_a.owner)
    return client


def _url(opportunity, tail=""):
    return f"/fr/marches/propositions/{opportunity.reference}/logilibre/{tail}"


def _form(opportunity, **overrides):
    content = content_for(opportunity)
    data = {k: v for k, v in content.items() if k != "criteria"}
    data.update({f"criterion_{k}": v for k, v in content["criteria"].items()})
    data.update(overrides)
    return data


def test_the_editor_saves_a_draft_with_attachments_then_removes_one(signed_in, opportunity):
    page = signed_in.get(_url(opportunity))
    text = page.content.decode()
    assert page.status_code == 200 and "Ma proposition" in text
    assert "15 décembre 2026 à 14 h 00 (heure de Montréal)" in text and "Il reste 2 jours et 3 heures." in text
    for criterion in opportunity.criteria.all():
        assert f'for="f-criterion-{criterion.pk}"' in text
    data = _form(opportunity, attachments=[SimpleUploadedFile("offre.pdf", PDF, "application/pdf"),
                                           SimpleUploadedFile("notes.txt", "Notes é".encode(), "text/plain")])
    done = signed_in.post(_url(opportunity), data)
    assert done.status_code == 302 and done["Location"] == _url(opportunity)
    proposal = Proposal.objects.get()
    assert proposal.draft_revision == 1
    draft = proposals.proposal_draft(proposal, proposal.created_by)
    assert [(a["name"], a["content_type"], a["size"]) for a in draft["attachments"]] == [
        ("offre.pdf", "application/pdf", len(PDF)), ("notes.txt", "text/plain", len("Notes é".encode()))]
    page = signed_in.get(_url(opportunity))
    assert "offre.pdf" in page.content.decode()
    download = signed_in.get(_url(opportunity, "pieces/0/"))
    assert download.status_code == 200 and download.content == PDF
    assert download["Content-Type"] == "application/pdf"
    signed_in.post(_url(opportunity), {**_form(opportunity), "remove": ["offre.pdf"]})
    proposal.refresh_from_db()
    assert [a["name"] for a in proposals.proposal_draft(proposal, proposal.created_by)["attachments"]] == ["notes.txt"]
    assert proposal.draft_revision == 2


def test_a_huge_upload_gets_413_and_nothing_changes(signed_in, opportunity, settings):
    settings.OUVERT_MARKET_MAX_PROPOSAL_BYTES = 50_000
    signed_in.post(_url(opportunity), _form(opportunity))
    big = SimpleUploadedFile("gros.pdf", PDF + b"0" * 60_000, "application/pdf")
    refused = signed_in.post(_url(opportunity), _form(opportunity, summary="Perdu ?", attachments=[big]))
    assert refused.status_code == 413 and "taille maximale" in refused.content.decode()
    proposal = Proposal.objects.get()
    assert proposal.draft_revision == 1
    assert proposals.proposal_draft(proposal, proposal.created_by)["content"]["summary"] != "Perdu ?"
    # several files that together pass the limit are refused as well
    parts = [SimpleUploadedFile(f"p{i}.pdf", PDF + b"0" * 20_000, "application/pdf") for i in range(3)]
    assert signed_in.post(_url(opportunity), _form(opportunity, attachments=parts)).status_code == 413
    assert Proposal.objects.get().draft_revision == 1


@pytest.mark.parametrize("name,data", [("vide.pdf", b""), ("programme.pdf", b"MZ\x90\x00binaire"),
                                       ("archive.zip", b"PK\x03\x04broken"), ("notes.txt", b"\xff\xfe\x00bin")])
def test_an_empty_or_unreadable_attachment_is_refused(signed_in, opportunity, name, data):
    refused = signed_in.post(_url(opportunity), _form(opportunity, attachments=[SimpleUploadedFile(name, data)]))
    assert refused.status_code == 400 and name in refused.content.decode()
    assert not Proposal.objects.exists()


def test_html_typed_in_the_fields_comes_back_escaped(signed_in, opportunity):
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    signed_in.post(_url(opportunity), _form(opportunity, summary=evil))
    for page in (signed_in.get(_url(opportunity)), signed_in.get(_url(opportunity, "soumettre/"))):
        assert evil.encode() not in page.content and b"&lt;script&gt;" in page.content


def test_submitting_through_the_confirmation_step_gives_the_receipt_and_its_downloads(signed_in, opportunity):
    signed_in.post(_url(opportunity), _form(opportunity))
    page = signed_in.get(_url(opportunity, "soumettre/"))
    assert page.status_code == 200 and b'name="draft_revision" value="1"' in page.content
    refused = signed_in.post(_url(opportunity, "soumettre/"), {"draft_revision": "1"})
    assert refused.status_code == 400
    assert "conflit d'intérêts" in refused.content.decode() and not Submission.objects.exists()
    done = signed_in.post(_url(opportunity, "soumettre/"), {"draft_revision": "1", "no_conflict_of_interest": "on",
                                                            "terms_accepted": "on"})
    submission = Submission.objects.get()
    assert done.status_code == 302 and done["Location"] == _url(opportunity, "recu/?version=1")
    receipt = signed_in.get(done["Location"])
    assert receipt.status_code == 200 and submission.receipt in receipt.content.decode()
    assert "(heure de Montréal)" in receipt.content.decode()
    as_json = signed_in.get(_url(opportunity, "recu/1.json"))
    assert as_json["Content-Disposition"].startswith("attachment;")
    assert json.loads(as_json.content)["receipt"] == submission.receipt
    as_text = signed_in.get(_url(opportunity, "recu/1.txt")).content.decode()
    assert submission.receipt in as_text and opportunity.reference in as_text
    assert proposals.receipt_verify(as_text)["status"] == "pending"
    # the second tab posts the same revision: the same receipt, no second submission
    again = signed_in.post(_url(opportunity, "soumettre/"), {"draft_revision": "1", "no_conflict_of_interest": "on",
                                                             "terms_accepted": "on"})
    assert again.status_code == 302 and Submission.objects.count() == 1
    assert signed_in.get(_url(opportunity, "recu/9.json")).status_code == 404


def test_a_stale_revision_gets_409_and_a_late_submit_403_with_the_deadline(signed_in, opportunity, time_machine):
    signed_in.post(_url(opportunity), _form(opportunity))
    signed_in.post(_url(opportunity), _form(opportunity, summary="Revu dans un autre onglet."))
    stale = signed_in.post(_url(opportunity, "soumettre/"), {"draft_revision": "1", "no_conflict_of_interest": "on",
                                                             "terms_accepted": "on"})
    assert stale.status_code == 409 and "brouillon a changé" in stale.content.decode()
    assert not Submission.objects.exists()
    time_machine.move_to(DEADLINE, tick=False)
    late = signed_in.post(_url(opportunity, "soumettre/"), {"draft_revision": "2", "no_conflict_of_interest": "on",
                                                            "terms_accepted": "on"})
    assert late.status_code == 403
    assert ("La date limite était le 15 décembre 2026 à 14 h 00 (heure de Montréal) ; aucune proposition "
            "n'est acceptée après.") in late.content.decode().replace("&#x27;", "'")
    assert not Submission.objects.exists()
    frozen = signed_in.post(_url(opportunity), _form(opportunity, summary="Trop tard"))
    assert frozen.status_code == 403 and Proposal.objects.get().draft_revision == 2
    page = signed_in.get(_url(opportunity))
    assert page.status_code == 200 and b"<textarea" not in page.content and b"est fig" in page.content


def test_withdrawing_through_its_confirmation(signed_in, opportunity, supplier_a):
    save_and_submit(opportunity, supplier_a)
    assert signed_in.get(_url(opportunity, "retirer/")).status_code == 200
    done = signed_in.post(_url(opportunity, "retirer/"))
    assert done.status_code == 302
    assert Proposal.objects.get().status == Proposal.Status.WITHDRAWN
    assert Submission.objects.get().withdrawn_at is not None
    again = signed_in.post(_url(opportunity, "retirer/"))
    assert again.status_code == 400


def test_a_plain_member_reads_but_does_not_write(client, opportunity, supplier_a, make_user):
    save(opportunity, supplier_a, summary="Lisible par les membres.")
    reader = make_user(email="lecture@logilibre.example.com")
    core_services.membership_set(user=reader, organisation=supplier_a.organisation, role=Membership.Role.MEMBER)
    client.force_login(reader)
    page = client.get(_url(opportunity))
    assert page.status_code == 200 and b"Lisible par les membres." in page.content, page.content.decode()[-6000:]
    assert b"<textarea" not in page.content
    assert client.post(_url(opportunity), _form(opportunity)).status_code == 403
    assert client.post(_url(opportunity, "soumettre/"), {"no_conflict_of_interest": "on",
                                                         "terms_accepted": "on"}).status_code == 403
    assert Proposal.objects.get().draft_revision == 1 and not Submission.objects.exists()


def test_the_start_page_leads_to_the_editor_or_to_registration(client, opportunity, supplier_a, stranger):
    client.force_login(supplier_a.owner)
    response = client.get(f"/fr/marches/propositions/{opportunity.reference}/")
    assert response.status_code == 302 and response["Location"] == _url(opportunity)
    client.force_login(stranger)
    page = client.get(f"/fr/marches/propositions/{opportunity.reference}/")
    assert page.status_code == 200 and b"/fournisseurs/inscription/" in page.content
    assert client.get("/fr/marches/propositions/DAN-NULLE-0001/").status_code == 404


def test_the_dashboard_lists_drafts_submissions_and_withdrawals_in_few_queries(
        client, opportunity_factory, supplier_a, time_machine, django_assert_max_num_queries):
    time_machine.move_to(DEADLINE - datetime.timedelta(days=5), tick=False)
    opportunities = [opportunity_factory(deadline=DEADLINE) for _ in range(6)]
    for opportunity in opportunities[:2]:
        save(opportunity, supplier_a)
    for opportunity in opportunities[2:4]:
        save_and_submit(opportunity, supplier_a)
    for opportunity in opportunities[4:]:
        proposal, _submission = save_and_submit(opportunity, supplier_a)
        proposals.proposal_withdraw(proposal=proposal, user=owner(supplier_a))
    client.force_login(supplier_a.owner)
    with django_assert_max_num_queries(12):
        page = client.get("/fr/marches/espace-fournisseur/")
    text = page.content.decode()
    assert page.status_code == 200
    for opportunity in opportunities:
        assert opportunity.reference in text
    brouillons, rest = text.split('id="soumises"')
    soumises, retirees = rest.split('id="retirees"')
    assert opportunities[0].reference in brouillons and opportunities[2].reference in soumises
    assert opportunities[4].reference in retirees.split('id="questions"')[0]
    for submission in Submission.objects.filter(withdrawn_at__isnull=True):
        assert submission.receipt[:14] in soumises


def test_after_the_award_the_dashboard_shows_the_result_and_the_debrief(client, opportunity, supplier_a, supplier_b,
                                                                        time_machine):
    from ouvert.market.models import Contract, Opportunity

    won, _sub = save_and_submit(opportunity, supplier_a)
    lost, _sub = save_and_submit(opportunity, supplier_b)
    time_machine.move_to(DEADLINE + datetime.timedelta(days=5), tick=False)
    Opportunity.objects.filter(pk=opportunity.pk).update(status=Opportunity.Status.AWARDED)
    Contract.objects.create(opportunity=opportunity, proposal=won, value=opportunity.price,
                            awarded_at=DEADLINE + datetime.timedelta(days=4))
    client.force_login(supplier_b.owner)
    text = client.get("/fr/marches/espace-fournisseur/").content.decode()
    assert "Non retenue" in text and f"/evaluation/{opportunity.reference}/bilan/" in text
    client.force_login(supplier_a.owner)
    text = client.get("/fr/marches/espace-fournisseur/").content.decode()
    assert "Retenue" in text and "Non retenue" not in text


def test_opening_ones_proposal_after_the_deadline_closes_the_opportunity(signed_in, opportunity, time_machine):
    from ouvert.market.models import Opportunity

    signed_in.post(_url(opportunity), _form(opportunity))
    time_machine.move_to(DEADLINE + datetime.timedelta(minutes=1), tick=False)
    assert signed_in.get(_url(opportunity)).status_code == 200
    opportunity.refresh_from_db()
    assert opportunity.status == Opportunity.Status.EVALUATION and opportunity.closed_at is not None
