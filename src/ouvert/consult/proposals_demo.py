"""Demo content of the proposals part (``ouvert demo``, order 230, after the processes made at 200):

- ``strategie-donnees-ouvertes`` (contribution now): 25 proposals, some located, with supports;
- ``politique-habitation`` (analysis): 60 proposals with supports from the demo participants, several
  answered (accepted, rejected with their reason, being evaluated);
- ``plan-gouvernement-ouvert-2021`` (report): every proposal answered, some implemented.

Written to the database directly (the phases of the last two no longer take proposals), every row
flagged ``is_demo``. Idempotent: a process that already has demo proposals is left as it is.
"""

from __future__ import annotations

import datetime
import random

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from ouvert.core import services as core_services

from . import demo_people
from .demo_people import write as _write
from .models import Category, Participation, Process, Proposal, Support

PLACES = {
    "Québec": (46.8139, -71.2080), "Montréal": (45.5019, -73.5674), "Sherbrooke": (45.4042, -71.8929),
    "Trois-Rivières": (46.3432, -72.5418), "Saguenay": (48.4284, -71.0685), "Gatineau": (45.4765, -75.7013),
    "Rimouski": (48.4490, -68.5230), "Rouyn-Noranda": (48.2366, -79.0231), "Gaspé": (48.8316, -64.4869),
    "Lévis": (46.8032, -71.1779),
}

# (title, body, category index, place or None)
STRATEGY = [
    ("Publier les horaires du transport collectif au format GTFS", "Toutes les sociétés de transport devraient "
     "publier leurs horaires et leurs arrêts au format **GTFS**, mis à jour à chaque changement de service. Les "
     "applications de trajet pourraient alors couvrir toutes les régions, pas seulement les grandes villes.", 0,
     "Québec"),
    ("Un calendrier public des jeux de données à venir", "Annoncer à l’avance quels jeux de données seront "
     "publiés et quand. Les réutilisateurs pourraient planifier leurs projets et signaler tôt les besoins.", 1,
     None),
    ("Des API plutôt que des fichiers pour les données qui changent souvent", "Pour la qualité de l’air, le "
     "niveau des rivières ou l’achalandage des urgences, une API mise à jour en continu serait plus utile qu’un "
     "fichier CSV téléchargé une fois par mois.", 2, None),
    ("Une seule licence pour toutes les données gouvernementales", "Utiliser partout la licence **CC BY 4.0**. "
     "Aujourd’hui, certaines données ont des conditions particulières qui découragent la réutilisation "
     "commerciale et même communautaire.", 3, None),
    ("Former les employés municipaux à la publication de données", "Offrir une formation gratuite, en ligne et "
     "en personne, aux employés des petites municipalités qui doivent publier des données sans équipe "
     "spécialisée.", 4, "Rimouski"),
    ("Publier les données des inspections des restaurants", "Les résultats des inspections alimentaires "
     "devraient être publiés par établissement, avec la date et les manquements constatés.", 0, "Montréal"),
    ("Un dictionnaire de données obligatoire pour chaque jeu", "Chaque jeu de données devrait décrire ses "
     "colonnes, ses unités et ses valeurs possibles. Sans cela, on devine le sens des données.", 1, None),
    ("Les données sur la qualité de l’eau des plages", "Publier chaque semaine, pendant l’été, les résultats "
     "des analyses de la qualité de l’eau des plages publiques, avec leur emplacement.", 0, "Lévis"),
    ("Des données géographiques dans des formats ouverts", "Publier les couches géographiques en GeoJSON ou "
     "GeoPackage, et non seulement dans des formats propriétaires difficiles à ouvrir sans logiciel payant.", 2,
     None),
    ("Indiquer la date de la dernière mise à jour", "Chaque jeu de données devrait afficher clairement la date "
     "de sa dernière mise à jour et la fréquence prévue.", 1, None),
    ("Ouvrir les données des contrats publics", "Publier tous les contrats de plus de 25 000 $ avec le "
     "fournisseur, le montant, la durée et les avenants, dans un format réutilisable.", 0, None),
    ("Un service d’aide pour les réutilisateurs", "Un point de contact unique qui répond aux questions sur les "
     "données publiées, avec un délai de réponse annoncé.", 4, None),
    ("Les données de déneigement en temps réel", "Publier la position des opérations de déneigement et "
     "l’état des rues, comme certaines villes le font déjà.", 2, "Sherbrooke"),
    ("Publier les données de fréquentation des parcs nationaux", "Les données de fréquentation aideraient les "
     "régions à planifier l’hébergement et les transports vers les parcs.", 0, "Saguenay"),
    ("Des jeux de données traduits en anglais", "Les titres et les descriptions des jeux de données les plus "
     "consultés devraient aussi être offerts en anglais, pour les chercheurs de l’extérieur du Québec.", 3,
     None),
    ("Mesurer la réutilisation des données", "Publier chaque année combien de fois les jeux de données sont "
     "téléchargés et quelles applications les utilisent.", 1, None),
    ("Un atelier annuel avec les communautés autochtones", "Organiser avec les communautés autochtones un "
     "atelier sur les données qui les concernent et la façon de les publier en respectant leur souveraineté.",
     4, None),
    ("Ouvrir les données des bornes de recharge", "Publier l’emplacement et la disponibilité des bornes de "
     "recharge publiques pour les véhicules électriques.", 0, "Trois-Rivières"),
    ("Archiver les anciennes versions des jeux de données", "Garder les versions précédentes des jeux de "
     "données accessibles : les chercheurs ont besoin de l’historique.", 1, None),
    ("Des données sur les temps d’attente à l’urgence par hôpital", "Publier chaque heure les temps d’attente "
     "et le taux d’occupation des urgences, par établissement.", 2, "Gatineau"),
    ("Un guide simple sur les licences", "Expliquer en langage clair ce que permet la licence des données "
     "ouvertes, avec des exemples de réutilisation permise.", 3, None),
    ("Des données sur les feux de forêt", "Publier les zones touchées et l’état des feux de forêt en format "
     "géographique, mis à jour chaque jour pendant la saison.", 0, "Rouyn-Noranda"),
    ("Un concours de réutilisation des données", "Un concours annuel, ouvert aux étudiants et aux organismes "
     "communautaires, pour faire connaître les données et leurs usages.", 4, None),
    ("Publier les données de pêche commerciale", "Les débarquements de pêche par port et par espèce aideraient "
     "les communautés côtières à suivre l’état des ressources.", 0, "Gaspé"),
    ("Signaler une erreur dans un jeu de données", "Un bouton pour signaler une erreur ou une incohérence dans "
     "un jeu de données, avec un suivi public de la correction.", 1, None),
]

HOUSING_TOPICS = [
    ("Un registre public des loyers", "Créer un registre public des loyers payés, logement par logement, pour "
     "que les locataires connaissent le loyer payé par l’occupant précédent.", 0),
    ("Plus de terrains publics pour les coopératives", "Réserver une partie des terrains publics excédentaires "
     "aux coopératives et aux organismes sans but lucratif d’habitation.", 1),
    ("Accélérer les permis de construire", "Fixer un délai maximal pour la délivrance des permis de construire "
     "les projets de logements abordables, et publier les délais réels.", 2),
    ("Encadrer la location à court terme", "Limiter la location de courte durée aux résidences principales "
     "dans les secteurs où les logements manquent.", 3),
    ("Rénover les habitations à loyer modique", "Un plan pluriannuel pour remettre en bon état les HLM "
     "barricadés, avec un échéancier public.", 1),
    ("Des logements adaptés aux aînés", "Soutenir la construction de petits logements adaptés aux aînés près "
     "des services, pour qu’ils puissent rester dans leur quartier.", 0),
    ("Aider les premiers acheteurs", "Un programme d’accession à la propriété à prix abordable, avec une "
     "clause de revente pour garder les logements abordables.", 0),
    ("Densifier près du transport collectif", "Permettre plus de logements près des stations et des arrêts "
     "fréquents du transport collectif.", 2),
    ("Protéger les locataires lors des rénovictions", "Mieux encadrer les évictions pour rénovation et "
     "accompagner les locataires touchés.", 3),
    ("Des logements pour étudiants", "Soutenir les résidences étudiantes abordables gérées par des organismes "
     "sans but lucratif.", 1),
]
HOUSING_PLACES = ["Québec", "Montréal", "Sherbrooke", "Trois-Rivières", "Saguenay", "Gatineau"]
HOUSING_ANSWERS = {
    "accepted": "Cette proposition est retenue : elle figurera dans le plan d’action de la politique, avec un "
                "premier bilan public dans un an.",
    "rejected": "Cette proposition n’est pas retenue : elle relève des municipalités, qui disposent déjà des "
                "pouvoirs nécessaires. Le ministère leur transmettra toutefois la proposition.",
    "evaluating": "Le ministère analyse cette proposition avec la Société d’habitation du Québec ; une réponse "
                  "sera publiée à la fin de la phase d’analyse.",
}

PLAN_2021 = [
    ("Publier les agendas des ministres", "Publier chaque semaine les rencontres des ministres avec les "
     "lobbyistes et les organismes, en données ouvertes.", 0, "implemented",
     "Réalisé : les agendas sont publiés chaque semaine depuis mars 2022 sur Données Québec."),
    ("Un portail unique des consultations publiques", "Réunir en un seul endroit toutes les consultations "
     "publiques du gouvernement, avec leur calendrier et leurs résultats.", 1, "implemented",
     "Réalisé : c’est l’origine de la présente plateforme de consultation."),
    ("Ouvrir les données budgétaires détaillées", "Publier les dépenses par programme et par région, chaque "
     "trimestre, dans un format réutilisable.", 0, "accepted",
     "Retenue : l’engagement 3 du plan prévoit la publication trimestrielle des dépenses par programme."),
    ("Former les fonctionnaires à la participation citoyenne", "Un programme de formation sur la conduite de "
     "consultations et la rétroaction aux participants.", 1, "implemented",
     "Réalisé : plus de 400 personnes ont suivi la formation en 2022 et 2023."),
    ("Publier les rapports d’inspection des résidences pour aînés", "Les rapports d’inspection devraient être "
     "publiés par résidence, avec les suites données.", 0, "rejected",
     "Non retenue dans ce plan : la publication demande une modification réglementaire, à l’étude par le "
     "ministère de la Santé et des Services sociaux."),
    ("Des données ouvertes sur les marchés publics", "Adopter la norme internationale des données ouvertes sur "
     "les marchés publics (OCDS).", 2, "accepted",
     "Retenue : un projet pilote suit la norme OCDS pour les contrats du Centre d’acquisitions "
     "gouvernementales."),
    ("Un registre des algorithmes utilisés par l’État", "Décrire publiquement les systèmes de décision "
     "automatisée utilisés par les ministères.", 2, "accepted",
     "Retenue pour le prochain plan : un inventaire est en cours dans les ministères."),
    ("Rendre compte des consultations", "Pour chaque consultation, publier ce qui a été entendu et ce qui a "
     "été retenu.", 1, "implemented",
     "Réalisé : chaque consultation publie maintenant son rapport « Ce que nous avons entendu »."),
    ("Ouvrir toutes les données en temps réel", "Publier toutes les données gouvernementales en temps réel.",
     2, "rejected",
     "Non retenue telle quelle : toutes les données ne s’y prêtent pas. Le plan priorise plutôt les données "
     "les plus demandées."),
    ("Un comité citoyen de suivi du plan", "Un comité de citoyens et d’organismes qui suit la mise en œuvre des "
     "engagements et publie son avis.", 1, "implemented",
     "Réalisé : le forum multipartite s’est réuni quatre fois et ses avis sont publiés."),
]




def _people():
    return demo_people.participants(30), demo_people.visitor()


def _answerer(process: Process):
    """The body's demo organiser (made by the processes part's demo), else the demo administrator."""
    try:
        return core_services.user_get_by_email(email=f"organisation.{process.organisation.slug}@demo.ouvert.local")
    except core_services.NotFound:
        return demo_people.admin()


def _fill(process: Process, rows: list[dict], people: list, rng: random.Random, supports: tuple[int, int]) -> int:
    """Proposals ``rows`` in ``process``, supports from ``people`` (within the process's limit), and the
    participation rows recounted."""
    categories = list(Category.objects.filter(process=process))
    answerer = _answerer(process)
    start = timezone.now() - datetime.timedelta(days=len(rows) // 3 + 3)
    limit = process.support_limit or len(rows)
    used = {p.pk: 0 for p in people}
    made = []
    for n, row in enumerate(rows, start=1):
        author = people[(n * 7) % len(people)]
        place = row.get("place")
        lat, lon = PLACES[place] if place else (None, None)
        status = row.get("status") or Proposal.Status.PUBLISHED
        answered = status != Proposal.Status.PUBLISHED
        created = start + datetime.timedelta(hours=7 * n)
        proposal = Proposal.objects.create(
            process=process, number=n, author=author, title=row["title"], body=row["body"],
            category=categories[row["category"] % len(categories)] if categories else None,
            address=f"{place} (Québec)" if place else "", latitude=lat, longitude=lon, status=status,
            answer_fr=row.get("answer", "") if answered else "", answered_at=created + datetime.timedelta(days=20)
            if answered else None, answered_by=answerer if answered else None, is_demo=True,
            created_at=created, modified_at=created)
        made.append(proposal)
        low, high = supports
        wanted = rng.randint(low, high)
        candidates = [p for p in people if p.pk != author.pk and used[p.pk] < limit]
        rng.shuffle(candidates)
        backers = candidates[:wanted]
        Support.objects.bulk_create([Support(proposal=proposal, process=process, user=p,
                                             created_at=created + datetime.timedelta(hours=i + 1))
                                     for i, p in enumerate(backers)])
        for p in backers:
            used[p.pk] += 1
        Proposal.objects.filter(pk=proposal.pk).update(supports_count=len(backers))
    _recount(process)
    return len(made)


def _recount(process: Process) -> None:
    """Each person's participation row from their proposals and supports in ``process``."""
    supports = dict(Support.objects.filter(process=process).values_list("user_id").annotate(n=Count("pk")))
    proposals = dict(Proposal.objects.filter(process=process).exclude(author=None).values_list("author_id")
                     .annotate(n=Count("pk")))
    now = timezone.now()
    for user_id in set(supports) | set(proposals):
        participation, _created = Participation.objects.get_or_create(
            process=process, user_id=user_id, defaults={"first_action_at": now, "last_action_at": now})
        Participation.objects.filter(pk=participation.pk).update(
            supports_used=supports.get(user_id, 0), proposals_made=proposals.get(user_id, 0),
            actions=max(participation.actions, supports.get(user_id, 0) + proposals.get(user_id, 0)))


def _housing_rows(rng: random.Random) -> list[dict]:
    rows = []
    statuses = ["accepted"] * 5 + ["rejected"] * 4 + ["evaluating"] * 6 + [""] * 45
    rng.shuffle(statuses)
    for i in range(60):
        title, body, category = HOUSING_TOPICS[i % len(HOUSING_TOPICS)]
        place = HOUSING_PLACES[(i // len(HOUSING_TOPICS)) % len(HOUSING_PLACES)]
        status = statuses[i]
        rows.append({"title": f"{title} à {place}", "body": f"{body}\n\nÀ {place}, le besoin est particulièrement "
                     f"criant : c’est là que cette mesure devrait commencer.", "category": category,
                     "place": place if i % 3 == 0 else None, "status": status or None,
                     "answer": HOUSING_ANSWERS.get(status, "")})
    return rows


def load(stdout=None) -> dict:
    """The demo loader (``ouvert demo``, order 230). Idempotent."""
    rng = random.Random(230)
    done = {}
    with transaction.atomic():
        people, visitor = _people()
        specs = [
            ("strategie-donnees-ouvertes", lambda: [{"title": t, "body": b, "category": c, "place": p}
                                                    for t, b, c, p in STRATEGY], (0, 12)),
            ("politique-habitation", lambda: _housing_rows(rng), (2, 20)),
            ("plan-gouvernement-ouvert-2021", lambda: [{"title": t, "body": b, "category": c, "status": s,
                                                        "answer": a} for t, b, c, s, a in PLAN_2021], (5, 25)),
        ]
        for slug, rows, supports in specs:
            process = Process.objects.filter(slug=slug).first()
            if process is None or Proposal.objects.filter(process=process, is_demo=True).exists():
                continue
            done[slug] = _fill(process, rows(), people, rng, supports)
        # The demo visitor supports two proposals of the open consultation (she may take one back).
        process = Process.objects.filter(slug="strategie-donnees-ouvertes").first()
        if visitor is not None and process is not None and "strategie-donnees-ouvertes" in done:
            for proposal in Proposal.objects.filter(process=process, number__in=[1, 3]):
                Support.objects.get_or_create(proposal=proposal, user=visitor, defaults={"process": process})
                Proposal.objects.filter(pk=proposal.pk).update(
                    supports_count=Support.objects.filter(proposal=proposal).count())
            _recount(process)
    _write(stdout, "consultations : propositions de démonstration "
                   + (", ".join(f"{slug} ({n})" for slug, n in done.items()) or "déjà chargées"))
    return done
