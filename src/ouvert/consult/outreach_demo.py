"""Demo content of the outreach part (order 210, after the processes part's demo processes):

- meetings of the demo consultations: a hybrid one ahead for « Stratégie québécoise des données ouvertes »,
  two ahead for « Plan de mobilité durable de la Capitale-Nationale », past ones with minutes and ones
  ahead for the in-person hearings on the Massif-du-Sud park, in real places of Chaudière-Appalaches;
- some registrations and follows (the demo visitor among them);
- past consultations (published, closed, bodies and fiscal years 2019–2025, some in person only) with their
  participants and satisfaction answers, so that the indicators show real trends.

Idempotent: a meeting is found by its process and title, a past consultation by its slug; nothing that
exists is changed, so running ``ouvert demo`` twice changes nothing.
"""

from __future__ import annotations

import datetime
import random

from django.db import transaction
from django.utils import timezone

from . import demo_people, outreach
from .demo_people import write as _write
from .models import (
    Follow,
    Meeting,
    MeetingRegistration,
    Participation,
    Phase,
    Process,
    SatisfactionResponse,
    TargetKind,
)

PARTICIPANTS = 200

BODIES = {
    "sct": ("Secrétariat du Conseil du trésor", "SCT"),
    "mtmd": ("Ministère des Transports et de la Mobilité durable", "MTMD"),
    "mamh": ("Ministère des Affaires municipales et de l'Habitation", "MAMH"),
    "melccfp": ("Ministère de l'Environnement, de la Lutte contre les changements climatiques, de la Faune et "
                "des Parcs", "MELCCFP"),
    "mcc": ("Ministère de la Culture et des Communications", "MCC"),
}

HOUR = datetime.timedelta(hours=1)

#: (process slug, title, mode, days from today, hour, duration (h), place, address, lat, lon, capacity,
#:  minutes_fr, attendees, description)
MEETINGS = [
    ("strategie-donnees-ouvertes", "Atelier hybride : quelles données ouvrir en priorité ?", "hybrid", 9, 13, 3,
     "Édifice Marie-Guyart, salle 1.08", "1037, rue De La Chevrotière, Québec (Québec) G1R 5E9", 46.8089, -71.2149,
     40, "", None,
     "Un atelier en salle et en ligne pour classer ensemble les jeux de données à ouvrir d'abord. "
     "L'équipe de la Stratégie présente les demandes reçues ; vous travaillez ensuite en petits groupes."),
    ("mobilite-durable-capitale", "Soirée d'information à Québec", "in_person", 16, 19, 2,
     "Bibliothèque Gabrielle-Roy, salle Jean-Paul-Tardif", "350, rue Saint-Joseph Est, Québec (Québec) G1K 3B2",
     46.8149, -71.2252, 120, "", None,
     "Présentation du diagnostic de mobilité de la Capitale-Nationale, puis période de questions."),
    ("mobilite-durable-capitale", "Soirée d'information à Lévis", "in_person", 23, 19, 2,
     "Centre de congrès et d'expositions de Lévis", "5750, rue J.-B.-Michaud, Lévis (Québec) G6V 0B1",
     46.7915, -71.1855, 80, "", None,
     "La même présentation sur la rive sud : liens interrives, traversier et réseau structurant."),
    ("audiences-parc-regional", "Séance publique à Lac-Etchemin", "in_person", -45, 19, 3,
     "Salle municipale de Lac-Etchemin", "208, 2e Avenue, Lac-Etchemin (Québec) G0R 1S0", 46.3985, -70.5009, 150,
     "## Séance du soir à Lac-Etchemin\n\n"
     "- 63 personnes présentes, 9 mémoires déposés.\n"
     "- Les **sentiers de longue randonnée** et l'accès pour les motoneiges ont dominé les échanges.\n"
     "- Plusieurs propriétaires de lots boisés demandent que le nouveau périmètre suive les limites de "
     "leurs terres.\n\n"
     "La commission publiera les mémoires reçus avec son rapport.", 63,
     "Première séance des audiences : présentation du projet, puis mémoires et questions du public."),
    ("audiences-parc-regional", "Séance publique à Saint-Luc-de-Bellechasse", "in_person", -38, 19, 3,
     "Centre communautaire de Saint-Luc", "Rue Principale, Saint-Luc-de-Bellechasse (Québec) G0R 1L0",
     46.5378, -70.4560, 100,
     "## Séance à Saint-Luc-de-Bellechasse\n\n"
     "- 41 personnes présentes, 6 mémoires déposés.\n"
     "- Questions sur la protection des **milieux humides** de la tête de la rivière Etchemin.\n"
     "- Les entreprises touristiques souhaitent un calendrier clair des travaux.\n", 41,
     "Deuxième séance des audiences."),
    ("audiences-parc-regional", "Séance publique à Saint-Philémon", "in_person", 12, 19, 3,
     "Salle communautaire de Saint-Philémon", "1531, rue Principale, Saint-Philémon (Québec) G0R 4A0",
     46.6858, -70.4571, 120, "", None,
     "Séance sur le plan de conservation : habitats fauniques et sentiers. Les mémoires sont reçus sur place."),
    ("audiences-parc-regional", "Séance publique à Buckland", "in_person", 19, 19, 3,
     "Salle municipale de Notre-Dame-Auxiliatrice-de-Buckland", "4446, rue Principale, Buckland (Québec) G0R 1G0",
     46.6170, -70.5480, 100, "", None,
     "Dernière séance : synthèse des mémoires reçus et prochaines étapes."),
]

#: Past consultations for the indicators: (fiscal start year, body, mode, title, theme, territory).
PAST = [
    (2019, "sct", "in_person", "Forum sur la transformation numérique des services publics", "Numérique", "Québec"),
    (2019, "mamh", "in_person", "Révision du cadre de l'aménagement du territoire", "Aménagement", "Québec"),
    (2019, "melccfp", "in_person", "Audiences sur la réserve de biodiversité des Monts-Sainte-Marguerite",
     "Environnement", "Côte-Nord"),
    (2019, "mtmd", "digital", "Sondage sur la sécurité routière près des écoles", "Transport", "Québec"),
    (2020, "sct", "digital", "Consultation sur l'accès à l'information gouvernementale", "Gouvernance", "Québec"),
    (2020, "mamh", "hybrid", "Avenir des centres-villes après la pandémie", "Aménagement", "Québec"),
    (2020, "mcc", "in_person", "Politique de la lecture en région", "Culture", "Bas-Saint-Laurent"),
    (2020, "mtmd", "digital", "Plan de l'électrification des transports", "Transport", "Québec"),
    (2020, "melccfp", "in_person", "Audiences sur le prolongement du sentier du Littoral", "Environnement",
     "Capitale-Nationale"),
    (2020, "mcc", "digital", "Rayonnement numérique des musées", "Culture", "Québec"),
    (2021, "sct", "digital", "Cocréation du plan d'action pour un gouvernement ouvert", "Gouvernance", "Québec"),
    (2021, "sct", "digital", "Normes de publication des données ouvertes", "Numérique", "Québec"),
    (2021, "mamh", "hybrid", "Stratégie nationale d'urbanisme et d'architecture", "Aménagement", "Québec"),
    (2021, "mamh", "digital", "Logement abordable dans les petites municipalités", "Habitation", "Estrie"),
    (2021, "mtmd", "hybrid", "Réseau cyclable national", "Transport", "Québec"),
    (2021, "mtmd", "digital", "Traversiers du Saint-Laurent : horaires et tarifs", "Transport", "Québec"),
    (2021, "melccfp", "in_person", "Audiences sur l'aire protégée du lac Mégantic", "Environnement", "Estrie"),
    (2021, "mcc", "digital", "Patrimoine bâti : inventaire participatif", "Culture", "Québec"),
    (2021, "mcc", "in_person", "États généraux des arts de la scène en région", "Culture", "Saguenay–Lac-Saint-Jean"),
    (2022, "sct", "digital", "Services numériques aux entreprises", "Numérique", "Québec"),
    (2022, "sct", "hybrid", "Simplification des formulaires gouvernementaux", "Gouvernance", "Québec"),
    (2022, "mamh", "digital", "Gestion des eaux pluviales en milieu urbain", "Aménagement", "Montérégie"),
    (2022, "mamh", "hybrid", "Revitalisation des noyaux villageois", "Aménagement", "Chaudière-Appalaches"),
    (2022, "mtmd", "digital", "Transport collectif régional", "Transport", "Abitibi-Témiscamingue"),
    (2022, "mtmd", "hybrid", "Sécurité des piétons en hiver", "Transport", "Capitale-Nationale"),
    (2022, "melccfp", "digital", "Plan de gestion des matières résiduelles", "Environnement", "Québec"),
    (2022, "melccfp", "in_person", "Audiences sur la protection des tourbières de Lanoraie", "Environnement",
     "Lanaudière"),
    (2022, "mcc", "digital", "Accès aux bibliothèques publiques", "Culture", "Québec"),
    (2022, "mcc", "in_person", "Toponymie autochtone : rencontres régionales", "Culture", "Nord-du-Québec"),
    (2022, "sct", "digital", "Intelligence artificielle dans l'administration publique", "Numérique", "Québec"),
    (2023, "sct", "digital", "Marchés publics ouverts aux PME", "Gouvernance", "Québec"),
    (2023, "sct", "hybrid", "Charte des données numériques", "Numérique", "Québec"),
    (2023, "mamh", "digital", "Adaptation des municipalités aux inondations", "Aménagement", "Mauricie"),
    (2023, "mamh", "digital", "Habitation étudiante", "Habitation", "Montréal"),
    (2023, "mamh", "in_person", "Avenir des terres agricoles périurbaines", "Aménagement", "Laval"),
    (2023, "mtmd", "hybrid", "Plan de mobilité de l'Outaouais", "Transport", "Outaouais"),
    (2023, "mtmd", "digital", "Recharge des véhicules électriques", "Transport", "Québec"),
    (2023, "melccfp", "digital", "Qualité de l'air près des grandes industries", "Environnement", "Côte-Nord"),
    (2023, "melccfp", "hybrid", "Plan Saint-Laurent", "Environnement", "Québec"),
    (2023, "mcc", "digital", "Politique culturelle numérique", "Culture", "Québec"),
    (2023, "mcc", "in_person", "Patrimoine religieux : avenir des églises", "Culture", "Centre-du-Québec"),
    (2023, "sct", "digital", "Accessibilité des sites Web gouvernementaux", "Numérique", "Québec"),
    (2023, "mamh", "digital", "Participation citoyenne dans les MRC", "Gouvernance", "Québec"),
    (2024, "sct", "digital", "Identité numérique citoyenne", "Numérique", "Québec"),
    (2024, "sct", "hybrid", "Budget ouvert : comprendre les dépenses publiques", "Gouvernance", "Québec"),
    (2024, "mamh", "digital", "Densification douce des quartiers", "Habitation", "Capitale-Nationale"),
    (2024, "mamh", "hybrid", "Résilience des municipalités côtières", "Aménagement", "Gaspésie–Îles-de-la-Madeleine"),
    (2024, "mtmd", "digital", "Stratégie du transport aérien régional", "Transport", "Québec"),
    (2024, "mtmd", "digital", "Covoiturage et autopartage en région", "Transport", "Bas-Saint-Laurent"),
    (2024, "mtmd", "in_person", "Réfection du pont de l'île d'Orléans : séances d'information", "Transport",
     "Capitale-Nationale"),
    (2024, "melccfp", "digital", "Protection des lacs contre les espèces envahissantes", "Environnement",
     "Laurentides"),
    (2024, "melccfp", "hybrid", "Aires protégées du Sud du Québec", "Environnement", "Québec"),
    (2024, "mcc", "digital", "Découvrabilité des contenus culturels québécois", "Culture", "Québec"),
    (2024, "mcc", "digital", "Métiers d'art et relève", "Culture", "Québec"),
    (2024, "sct", "digital", "Données ouvertes sur les contrats publics", "Numérique", "Québec"),
    (2024, "mamh", "in_person", "Tables citoyennes sur le logement des aînés", "Habitation", "Mauricie"),
    (2025, "sct", "digital", "Services publics en langage clair", "Gouvernance", "Québec"),
    (2025, "mtmd", "hybrid", "Sécurité routière en milieu rural", "Transport", "Chaudière-Appalaches"),
    (2025, "sct", "digital", "Gouvernance des algorithmes publics", "Numérique", "Québec"),
    (2025, "sct", "hybrid", "Plan d'action pour un gouvernement ouvert 2025-2027 : idées", "Gouvernance", "Québec"),
    (2025, "mamh", "digital", "Logement locatif : registre des loyers", "Habitation", "Québec"),
    (2025, "mamh", "hybrid", "Aménagement des rives du Saint-Laurent", "Aménagement", "Bas-Saint-Laurent"),
    (2025, "mamh", "in_person", "Fusion des services d'incendie : séances régionales", "Gouvernance",
     "Chaudière-Appalaches"),
    (2025, "mtmd", "digital", "Tarification sociale du transport collectif", "Transport", "Montréal"),
    (2025, "mtmd", "digital", "Routes de gravier et accès aux territoires", "Transport", "Côte-Nord"),
    (2025, "melccfp", "digital", "Consigne élargie des contenants", "Environnement", "Québec"),
    (2025, "melccfp", "hybrid", "Adaptation aux feux de forêt", "Environnement", "Abitibi-Témiscamingue"),
    (2025, "melccfp", "in_person", "Audiences sur le parc national d'Opémican : agrandissement", "Environnement",
     "Abitibi-Témiscamingue"),
    (2025, "mcc", "digital", "Musique québécoise sur les plateformes d'écoute", "Culture", "Québec"),
    (2025, "mcc", "digital", "Archives numériques des communautés", "Culture", "Québec"),
    (2025, "mcc", "hybrid", "Salles de spectacle en région", "Culture", "Gaspésie–Îles-de-la-Madeleine"),
]




def _body(slug: str):
    name_fr, acronym = BODIES[slug]
    return demo_people.body(slug, name_fr, acronym=acronym)


def _meetings(today_start: datetime.datetime) -> int:
    created = 0
    for (slug, title, mode, days, hour, hours, place, address, lat, lon, capacity, minutes, attendees,
         description) in MEETINGS:
        process = Process.objects.filter(slug=slug).first()
        if process is None or Meeting.objects.filter(process=process, title_fr=title).exists():
            continue
        starts = today_start + datetime.timedelta(days=days) + hour * HOUR
        Meeting.objects.create(
            process=process, title_fr=title, description_fr=description, mode=mode, starts_at=starts,
            ends_at=starts + hours * HOUR, place=place, address=address, latitude=lat, longitude=lon,
            online_url="https://visio.demo.ouvert.local/atelier-donnees" if mode == "hybrid" else "",
            capacity=capacity, registration_open=days > 0, minutes_fr=minutes,
            minutes_published_at=starts + 3 * 24 * HOUR if minutes else None, attendees_count=attendees,
            is_demo=True)
        created += 1
    return created


def _registrations(people) -> int:
    """Some participants register to the meetings ahead (through the service: counts, participation)."""
    made = 0
    visitor = people[0]
    for index, meeting in enumerate(Meeting.objects.filter(is_demo=True, starts_at__gt=timezone.now())
                                    .select_related("process").order_by("process__slug", "starts_at")):
        chosen = people[1 + index * 3: 1 + index * 3 + 6]
        if meeting.process.slug == "mobilite-durable-capitale" and index % 2 == 0:
            chosen = [visitor, *chosen]
        for person in chosen:
            if MeetingRegistration.objects.filter(meeting=meeting, user=person).exists():
                continue
            try:
                outreach.meeting_register(user=person, meeting=meeting)
            except Exception:  # closed or full: the demo goes on  # noqa: BLE001
                continue
            made += 1
    return made


def _follows(people) -> None:
    visitor = people[0]
    for slug in ("strategie-donnees-ouvertes", "mobilite-durable-capitale"):
        process = Process.objects.filter(slug=slug).first()
        if process is not None:
            outreach.follow(user=visitor, process=process)
            for person in people[10:16]:
                outreach.follow(user=person, process=process)


def _past(people) -> int:
    """The past consultations of the indicators, with participants and satisfaction answers."""
    from django.utils.text import slugify

    created = 0
    for year, body, mode, title, theme, territory in PAST:
        slug = f"{slugify(title)[:90]}-{year}"
        if Process.objects.filter(slug=slug).exists():
            continue
        rng = random.Random(f"outreach-demo-{slug}")
        start = datetime.date(year, 4, 1) + datetime.timedelta(days=rng.randrange(0, 300))
        end = start + datetime.timedelta(days=rng.choice((30, 45, 60)))
        if end >= timezone.localdate():  # the latest ones: closed a few days ago
            end = timezone.localdate() - datetime.timedelta(days=3)
            start = min(start, end - datetime.timedelta(days=30))
        summary = (f"Consultation menée par le {BODIES[body][1]} : {title.lower()}. La consultation est terminée ; "
                   f"ses résultats ont été pris en compte dans la décision.")
        process = Process.objects.create(
            organisation=_body(body), slug=slug, title_fr=title, summary_fr=summary, theme=theme,
            territory=territory, starts_on=start, ends_on=end, mode=mode, visibility=Process.Visibility.PUBLIC,
            published_at=timezone.make_aware(datetime.datetime.combine(start - datetime.timedelta(days=14),
                                                                       datetime.time(9))),
            is_demo=True)
        length = (end - start).days
        Phase.objects.bulk_create([
            Phase(process=process, kind=Phase.Kind.INFORMATION, starts_on=start - datetime.timedelta(days=14),
                  ends_on=start - datetime.timedelta(days=1), position=0),
            Phase(process=process, kind=Phase.Kind.CONTRIBUTION, starts_on=start, ends_on=end, position=1,
                  components=["meetings", "comments"] if mode == "in_person" else ["proposals", "supports",
                                                                                   "comments", "surveys"]),
        ])
        # More people and better satisfaction over the years (continuous improvement).
        pool = people[: min(len(people), 40 + (year - 2019) * 25)]
        size = min(len(pool), 8 + (year - 2019) * 6 + rng.randrange(0, 12))
        members = rng.sample(pool, size)
        Participation.objects.bulk_create([
            Participation(process=process, user=person, actions=rng.randrange(1, 8),
                          first_action_at=timezone.make_aware(datetime.datetime.combine(
                              start + datetime.timedelta(days=rng.randrange(0, max(length, 1))), datetime.time(12))),
                          last_action_at=timezone.make_aware(datetime.datetime.combine(end, datetime.time(12))))
            for person in members])
        base = 3.0 + 0.25 * (year - 2019)
        SatisfactionResponse.objects.bulk_create([
            SatisfactionResponse(process=process, user=person,
                                 score=max(1, min(5, round(base + rng.choice((-1, 0, 0, 1)) * 0.8))))
            for person in members[: max(2, size // 3)]])
        created += 1
    return created


def load(stdout=None) -> None:
    """Load the outreach demo (idempotent)."""
    today_start = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time()))
    with transaction.atomic():
        people = [demo_people.visitor()] + demo_people.participants(PARTICIPANTS)
        meetings = _meetings(today_start)
        registrations = _registrations(people)
        _follows(people)
        past = _past(people)
    _write(stdout, f"consultations (rayonnement) : {meetings} rencontres, {registrations} inscriptions, "
                   f"{past} consultations passées créées; {Follow.objects.filter(target_kind=TargetKind.PROCESS).count()} "
                   f"abonnements")
