"""Demo content of the debates part (``ouvert demo``, order 250; idempotent: a second run changes nothing).

- In « Stratégie québécoise des données ouvertes » (``strategie-donnees-ouvertes``, contribution phase):
  an open debate on making every municipality publish its data, with arguments for and against and
  replies; the draft « Projet de directive sur les données ouvertes » (headings, 15 paragraphs or so,
  English version too) with comments on several paragraphs.
- In « Politique nationale de l'habitation » (``politique-habitation``, analysis phase): a closed debate
  with its arguments and the organiser's conclusions.

The debates and the draft are made through the services (as the demo administrator). The arguments and
comments are written directly as ``Comment`` rows flagged ``is_demo`` (with the participation record and
the targets' ``comments_count`` kept as the comments part keeps them): the services refuse arguments in a
closed debate or a phase that no longer takes them, and rate-limit posting, which a loader replaying a
past consultation cannot respect. Each debate or draft is made with its comments in one transaction, and
skipped when it exists: a second run changes nothing.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from . import access, debates, demo_people
from .models import Comment, Debate, DraftText, Paragraph, Process, TargetKind

OPEN_DATA = "strategie-donnees-ouvertes"
HOUSING = "politique-habitation"


MUNICIPAL_DEBATE = {
    "title_fr": "Faut-il rendre obligatoire la publication des données de toutes les municipalités?",
    "title_en": "Should publishing open data be mandatory for every municipality?",
    "description_fr": (
        "Aujourd'hui, une quarantaine de municipalités québécoises publient des données ouvertes, surtout les "
        "grandes villes. La Stratégie pourrait **obliger toutes les municipalités** à publier un socle de "
        "données (rôle d'évaluation, budgets, permis, collectes, installations), avec un accompagnement du "
        "gouvernement.\n\nDonnez vos arguments pour ou contre, et répondez à ceux des autres."),
    "description_en": (
        "About forty Quebec municipalities publish open data today, mostly the large cities. The Strategy could "
        "**require every municipality** to publish a core set of data (assessment roll, budgets, permits, "
        "collections, facilities), with support from the government.\n\nGive your arguments for or against, "
        "and answer those of others."),
    "arguments": [
        # key, stance, author, days ago, body, replies [(author, days ago, body)]
        ("a1", "for", "p01", 9,
         "Les citoyens des petites municipalités ont droit à la même transparence que ceux de Montréal ou de "
         "Québec. Aujourd'hui, l'accès aux données dépend du code postal.",
         [("p04", 8, "D'accord sur le principe, mais la même transparence demande les mêmes moyens : qui paie?"),
          ("p01", 8, "Le gouvernement, justement : la Stratégie prévoit un accompagnement et une plateforme "
                     "commune. Une petite municipalité n'aurait qu'à déposer ses fichiers.")]),
        ("a2", "for", "p03", 7,
         "Les données régionales (transport, environnement, habitation) ne sont utiles que si **toutes** les "
         "municipalités d'une MRC publient. Un territoire à moitié couvert ne sert à rien pour l'analyse.",
         []),
        ("a3", "for", "p06", 5,
         "Les demandes d'accès à l'information coûtent cher aux municipalités. Publier d'office les données "
         "les plus demandées réduirait ces demandes.",
         [("p02", 4, "Avez-vous des chiffres? Dans ma municipalité, on reçoit très peu de demandes d'accès.")]),
        ("a4", "for", "visitor", 3,
         "Une obligation avec un calendrier progressif (grandes villes d'abord, puis les autres) me semble "
         "raisonnable.", []),
        ("b1", "against", "p04", 9,
         "Plus de la moitié des municipalités du Québec comptent moins de 2 000 habitants et n'ont pas de "
         "personnel en informatique. Une obligation sans financement serait une charge de plus.",
         [("p03", 7, "D'où l'intérêt d'une plateforme commune : la MRC ou le gouvernement pourraient publier "
                     "pour elles.")]),
        ("b2", "against", "p02", 6,
         "Mieux vaut encourager que contraindre : des incitatifs (subventions, accompagnement, prix) donneraient "
         "de meilleurs résultats qu'une obligation appliquée à reculons.", []),
        ("b3", "against", "p07", 2,
         "Certaines données municipales touchent à la vie privée (permis, plaintes). Une obligation générale "
         "risque d'aller trop vite sans règles d'anonymisation claires.", []),
    ],
}

HOUSING_DEBATE = {
    "title_fr": "Faut-il créer un registre public des loyers?",
    "title_en": "Should there be a public rent registry?",
    "description_fr": (
        "Un registre public des loyers indiquerait, pour chaque logement loué, le loyer payé par le locataire "
        "précédent. Plusieurs organismes le réclament; d'autres craignent ses coûts et ses effets."),
    "description_en": (
        "A public rent registry would show, for each rented dwelling, the rent paid by the previous tenant. "
        "Several groups call for it; others fear its costs and effects."),
    "conclusions_fr": (
        "Le débat a reçu 9 arguments et de nombreuses réponses. Les arguments pour insistent sur l'information "
        "des nouveaux locataires au moment de signer le bail; les arguments contre, sur le coût et la "
        "protection des renseignements personnels des locataires.\n\n**Suite donnée** : la Politique retiendra "
        "un projet pilote de registre dans deux régions, avec un volet sur la protection des renseignements "
        "personnels; son évaluation sera publiée avant toute extension."),
    "conclusions_en": (
        "The debate received 9 arguments and many replies. Arguments for stressed informing new tenants when "
        "they sign the lease; arguments against, the cost and the protection of tenants' personal information."
        "\n\n**Follow-up**: the Policy will include a pilot registry in two regions, with a privacy component; its "
        "evaluation will be published before any extension."),
    "arguments": [
        ("h1", "for", "p05", 60,
         "Le nouveau locataire saurait si le loyer demandé a bondi par rapport à l'ancien, et pourrait faire "
         "valoir ses droits au Tribunal administratif du logement.",
         [("p08", 58, "C'est déjà possible avec la section G du bail, mais elle est souvent laissée vide.")]),
        ("h2", "for", "p03", 55,
         "Des données fiables sur les loyers réels aideraient les municipalités à planifier le logement "
         "abordable.", []),
        ("h3", "for", "p06", 50,
         "Plusieurs villes canadiennes et européennes tiennent un tel registre : on peut s'inspirer de leurs "
         "règles.", []),
        ("h4", "for", "p01", 48,
         "Le registre découragerait les hausses abusives entre deux locataires.", []),
        ("h5", "for", "visitor", 45,
         "Il faudrait que le registre soit simple à consulter, par adresse, sans créer de compte.", []),
        ("k1", "against", "p08", 59,
         "Tenir un registre à jour pour plus d'un million de logements loués coûterait cher, et les petits "
         "propriétaires devraient remplir un formulaire de plus.",
         [("p05", 57, "Une déclaration en ligne au renouvellement du bail prend quelques minutes.")]),
        ("k2", "against", "p02", 52,
         "Associer un loyer à une adresse peut révéler des renseignements personnels sur les locataires.", []),
        ("k3", "against", "p04", 47,
         "Le problème principal est le manque de logements : un registre ne construit aucun logement.", []),
        ("k4", "against", "p07", 44,
         "Le registre risquerait de fixer les loyers au niveau des plus élevés du quartier.", []),
    ],
}

DRAFT = {
    "slug": "projet-directive-donnees-ouvertes",
    "title_fr": "Projet de directive sur les données ouvertes",
    "title_en": "Draft directive on open data",
    "introduction_fr": (
        "Voici le projet de directive qui encadrera la publication des données ouvertes par les ministères et "
        "organismes. Commentez chaque paragraphe : dites ce qui est clair, ce qui manque, ce qui vous inquiète."),
    "introduction_en": (
        "Here is the draft directive that will govern how departments and agencies publish open data. Comment on "
        "each paragraph: say what is clear, what is missing, what worries you."),
    "source_fr": """# Préambule

Le gouvernement du Québec reconnaît que les données qu'il produit et détient sont une ressource publique. Leur ouverture favorise la transparence, la participation citoyenne et l'innovation.

Elle s'inscrit dans le Plan d'action pour un gouvernement ouvert et dans la Stratégie québécoise des données ouvertes.

La présente directive précise les obligations des ministères et organismes en matière de données ouvertes.

# Chapitre I — Objet et champ d'application

## Article 1

La directive s'applique à tous les ministères et organismes assujettis à la Loi sur la gouvernance et la gestion des ressources informationnelles.

## Article 2

Elle vise les données que ces organismes produisent ou détiennent dans l'exercice de leurs fonctions, à l'exception :

- des renseignements personnels;
- des renseignements dont la divulgation est restreinte par une loi;
- des données dont la publication compromettrait la sécurité publique.

# Chapitre II — Publication

## Article 3

Chaque organisme publie ses données par défaut, dans un format ouvert et lisible par machine, sous la licence Creative Commons Attribution 4.0.

Une donnée qui n'est pas publiée fait l'objet d'un motif écrit, inscrit à l'inventaire de l'organisme.

## Article 4

Les données sont publiées sur le portail Données Québec, avec une description complète : producteur, fréquence de mise à jour, couverture territoriale et temporelle, dictionnaire des variables.

Les mises à jour respectent la fréquence annoncée; un retard de plus d'un cycle est signalé sur la page du jeu de données.

## Article 5

Chaque organisme tient à jour un inventaire de ses données et publie, chaque année, son plan de publication.

# Chapitre III — Qualité et accompagnement

## Article 6

Les données de référence (adresses, découpages territoriaux, organismes) respectent les normes adoptées par le Secrétariat du Conseil du trésor.

## Article 7

Le Secrétariat accompagne les organismes : guides, formations et un réseau de répondants en données ouvertes.

Les organismes municipaux peuvent se joindre à cet accompagnement sur une base volontaire.

# Chapitre IV — Reddition de comptes

## Article 8

Chaque organisme rend compte, dans son rapport annuel de gestion, du nombre de jeux de données publiés et des demandes de données reçues.

## Article 9

La directive entre en vigueur le premier jour du sixième mois qui suit son adoption.
""",
    "source_en": """# Preamble

The Government of Québec recognizes that the data it produces and holds are a public resource. Opening them promotes transparency, public participation and innovation.

It is part of the Open Government Action Plan and of the Québec open data strategy.

This directive sets out the obligations of departments and agencies regarding open data.

# Chapter I — Purpose and scope

## Section 1

The directive applies to all departments and agencies subject to the Act respecting the governance and management of information resources.

## Section 2

It covers the data these bodies produce or hold in the exercise of their functions, except:

- personal information;
- information whose disclosure is restricted by law;
- data whose publication would compromise public safety.

# Chapter II — Publication

## Section 3

Each body publishes its data by default, in an open, machine-readable format, under the Creative Commons Attribution 4.0 licence.

Data that are not published are given a written reason, recorded in the body's inventory.

## Section 4

Data are published on the Données Québec portal, with a complete description: producer, update frequency, territorial and temporal coverage, data dictionary.

Updates follow the announced frequency; a delay of more than one cycle is shown on the dataset's page.

## Section 5

Each body keeps an inventory of its data up to date and publishes its publication plan every year.

# Chapter III — Quality and support

## Section 6

Reference data (addresses, territorial divisions, organizations) follow the standards adopted by the Secrétariat du Conseil du trésor.

## Section 7

The Secrétariat supports bodies: guides, training and a network of open data respondents.

Municipal bodies may join this support on a voluntary basis.

# Chapter IV — Accountability

## Section 8

Each body reports, in its annual management report, the number of datasets published and the data requests received.

## Section 9

The directive comes into force on the first day of the sixth month following its adoption.
""",
    # paragraph (by its first words) → comments [(author, days ago, body, replies [(author, days, body)])]
    "comments": [
        ("Le gouvernement du Québec reconnaît", [
            ("p03", 6, "J'ajouterais que les données sont aussi un bien commun : leur ouverture est un droit, pas "
                       "seulement un moyen de favoriser l'innovation.", []),
        ]),
        ("Elle vise les données", [
            ("p07", 6, "La troisième exception est très large : qui décide qu'une publication compromet la "
                       "sécurité publique? Il faudrait un motif écrit et publié.",
             [("p02", 5, "Tout à fait, et une possibilité de contester ce refus.")]),
            ("p05", 4, "Il manque les données des sociétés d'État, qui ne sont pas toutes assujetties.", []),
        ]),
        ("Chaque organisme publie ses données par défaut", [
            ("p01", 7, "« Par défaut » est la meilleure nouvelle de ce projet. Merci!", []),
            ("p06", 5, "Préciser les formats : CSV et GeoJSON plutôt que des PDF ou des fichiers Excel avec des "
                       "cellules fusionnées.", []),
            ("visitor", 2, "Et publier aussi l'historique des versions, pas seulement la dernière.", []),
        ]),
        ("Une donnée qui n'est pas publiée", [
            ("p02", 5, "Le motif devrait être public, pas seulement inscrit à l'inventaire interne.", []),
        ]),
        ("Chaque organisme tient à jour un inventaire", [
            ("p04", 3, "L'inventaire lui-même devrait être publié, y compris les données qui ne sont pas encore "
                       "ouvertes : on saurait ce qu'on peut demander.", []),
        ]),
        ("Chaque organisme rend compte", [
            ("p08", 1, "Ajouter le délai moyen de réponse aux demandes de données.", []),
        ]),
    ],
}


def _people() -> dict:
    """The debaters: participants 1 to 8 (``p01``…) and the demo visitor."""
    people = {f"p{n:02d}": demo_people.participant(n) for n in range(1, 9)}
    people["visitor"] = demo_people.visitor()
    return people


def _comment(process, kind, target_id, author, days_ago, body, *, stance="", parent=None, now):
    created = now - datetime.timedelta(days=days_ago, hours=len(body) % 9)
    comment = Comment.objects.create(process=process, target_kind=kind, target_id=target_id, parent=parent,
                                     depth=(parent.depth + 1) if parent else 0, author=author, body=body,
                                     stance=stance, is_demo=True, created_at=created)
    access.participation_record(process=process, user=author)
    return comment


def _debate(process, admin, people, spec, *, now, closed=False) -> bool:
    if Debate.objects.filter(process=process, title_fr=spec["title_fr"]).exists():
        return False
    with transaction.atomic():
        debate = debates.debate_create(actor=admin, process=process, data=spec, is_demo=True)
        count = 0
        for _key, stance, author, days, body, replies in spec["arguments"]:
            argument = _comment(process, TargetKind.DEBATE, debate.pk, people[author], days, body, stance=stance,
                                now=now)
            count += 1
            for reply_author, reply_days, reply_body in replies:
                _comment(process, TargetKind.DEBATE, debate.pk, people[reply_author], reply_days, reply_body,
                         parent=argument, now=now)
                count += 1
        Debate.objects.filter(pk=debate.pk).update(comments_count=F("comments_count") + count)
        if closed:
            debates.debate_close(actor=admin, debate=debate, conclusions_fr=spec["conclusions_fr"],
                                 conclusions_en=spec["conclusions_en"])
            # Closed when its contribution phase ended, not on the day the demo is loaded (the only write
            # outside the services, and only here).
            phase = process.phases.filter(kind="contribution").first()
            if phase is not None and phase.ends_on < now.date():
                closed_at = timezone.make_aware(datetime.datetime.combine(phase.ends_on, datetime.time(17)))
                Debate.objects.filter(pk=debate.pk).update(closed_at=closed_at)
    return True


def _draft(process, admin, people, spec, *, now) -> bool:
    if DraftText.objects.filter(process=process, slug=spec["slug"]).exists():
        return False
    with transaction.atomic():
        draft = debates.draft_create(actor=admin, process=process, data=spec, is_demo=True)
        paragraphs = list(Paragraph.objects.filter(draft=draft, is_heading=False).order_by("position"))
        for start, comments in spec["comments"]:
            paragraph = next(p for p in paragraphs if p.text_fr.startswith(start))
            count = 0
            for author, days, body, replies in comments:
                comment = _comment(process, TargetKind.PARAGRAPH, paragraph.pk, people[author], days, body, now=now)
                count += 1
                for reply_author, reply_days, reply_body in replies:
                    _comment(process, TargetKind.PARAGRAPH, paragraph.pk, people[reply_author], reply_days,
                             reply_body, parent=comment, now=now)
                    count += 1
            Paragraph.objects.filter(pk=paragraph.pk).update(comments_count=F("comments_count") + count)
    return True


def load(stdout=None) -> dict:
    """Load the debates and the draft into the demo processes (made by the processes part, order 200);
    a process that does not exist is skipped. Returns what was created."""
    created = {"debates": 0, "drafts": 0}
    processes = {p.slug: p for p in Process.objects.filter(slug__in=[OPEN_DATA, HOUSING])}
    if not processes:
        if stdout is not None:
            stdout.write("consult_debates : aucune consultation de démonstration, rien à charger.")
        return created
    admin = demo_people.admin()
    people = _people()
    now = timezone.now()
    if OPEN_DATA in processes:
        process = processes[OPEN_DATA]
        created["debates"] += _debate(process, admin, people, MUNICIPAL_DEBATE, now=now)
        created["drafts"] += _draft(process, admin, people, DRAFT, now=now)
    if HOUSING in processes:
        created["debates"] += _debate(processes[HOUSING], admin, people, HOUSING_DEBATE, now=now, closed=True)
    if stdout is not None and (created["debates"] or created["drafts"]):
        stdout.write(f"consult_debates : {created['debates']} débat(s), {created['drafts']} texte(s) à commenter.")
    return created
