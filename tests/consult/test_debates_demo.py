"""The debates part's demo: the open debate and the draft in « Stratégie québécoise des données ouvertes »,
the closed debate in « Politique nationale de l'habitation »; a second run changes nothing; the pages show it."""

import pytest
from django.test import Client
from django.urls import reverse

from ouvert.consult import debates, debates_demo, processes_demo
from ouvert.consult.models import Comment, Debate, DraftText, Paragraph, Participation, Process

pytestmark = pytest.mark.django_db


def _snapshot():
    return {
        "debates": sorted(Debate.objects.values_list("pk", "title_fr", "closed_at", "comments_count", "conclusions_fr")),
        "drafts": sorted(DraftText.objects.values_list("pk", "slug", "version")),
        "paragraphs": sorted(Paragraph.objects.values_list("pk", "position", "text_fr", "comments_count")),
        "comments": sorted(Comment.objects.values_list("pk", "target_kind", "target_id", "stance", "body")),
        "participations": sorted(Participation.objects.values_list("process_id", "user_id", "actions")),
    }


def test_demo_is_realistic_and_idempotent():
    assert debates_demo.load() == {"debates": 0, "drafts": 0}  # no demo process yet: nothing, no error
    processes_demo.load()
    assert debates_demo.load() == {"debates": 2, "drafts": 1}
    first = _snapshot()
    assert debates_demo.load() == {"debates": 0, "drafts": 0}
    assert _snapshot() == first

    open_data = Process.objects.get(slug=debates_demo.OPEN_DATA)
    debate = Debate.objects.get(process=open_data)
    assert debate.title_fr == "Faut-il rendre obligatoire la publication des données de toutes les municipalités?"
    counts = debates.debate_summary(debate)
    assert counts["for"] >= 3 and counts["against"] >= 3 and counts["replies"] >= 3
    assert debate.closed_at is None and debate.is_demo
    assert debate.comments_count == counts["total"]

    housing = Debate.objects.get(process__slug=debates_demo.HOUSING)
    assert housing.closed_at is not None and "projet pilote" in housing.conclusions_fr

    draft = DraftText.objects.get(process=open_data)
    assert draft.title_fr == "Projet de directive sur les données ouvertes"
    paragraphs = list(draft.paragraphs.all())
    assert 14 <= len([p for p in paragraphs if not p.is_heading]) <= 16
    assert any(p.is_heading for p in paragraphs) and all(p.text_en for p in paragraphs)
    commented = [p for p in paragraphs if p.comments_count]
    assert len(commented) >= 4
    for p in commented:
        assert Comment.objects.filter(target_kind="paragraph", target_id=p.pk).count() == p.comments_count
    assert Comment.objects.filter(is_demo=False).count() == 0

    client = Client()
    page = client.get(reverse("consult:debate", kwargs={"slug": open_data.slug, "pk": debate.pk}))
    assert page.status_code == 200 and "Les citoyens des petites municipalités" in page.content.decode()
    page = client.get(reverse("consult:draft", kwargs={"slug": open_data.slug, "draft": draft.slug}))
    assert page.status_code == 200 and "Préambule" in page.content.decode()
