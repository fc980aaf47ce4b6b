"""Demo content of the opinions part (``ouvert demo``, order 260; idempotent: a second run changes nothing).

- In ``strategie-donnees-ouvertes`` (contribution phase open): the conversation « Quelles données
  devraient être ouvertes en priorité? », 30 seed statements and the votes of 150 demo participants built
  from three latent opinion groups (transparency of public money, economic reuse, caution about personal
  information), with a fixed seed, so that the groups show; the demo visitor has not voted yet.
- In ``politique-habitation`` (analysis phase): a larger conversation on housing, 400 participants,
  analysed.

The conversations, statements and a few participant statements go through the services; the votes are
written in bulk (with the counters, the conversation's total and the participation rows set from them),
only here and only once, when the conversation is created.
"""

from __future__ import annotations

import numpy as np
from django.db import transaction
from django.db.models import Count, F, Q

from . import demo_people
from .models import Conversation, Participation, Process, Statement, StatementVote

# Stances of the three latent groups on each statement: (A, B, C), 1 agree, -1 disagree, 0 split/pass.
# A: transparency of public money and decisions; B: economic and technical reuse; C: caution about
# personal information and costs.
DATA_STATEMENTS = [
    ("Les contrats publics, avec le nom des fournisseurs et les montants, devraient être publiés en données "
     "ouvertes dès leur signature.", (1, 0, 1)),
    ("Le budget détaillé de chaque ministère devrait être publié poste par poste, chaque trimestre.", (1, -1, 0)),
    ("Les horaires et positions en temps réel des autobus devraient être ouverts à toutes les applications.",
     (0, 1, 1)),
    ("Les données de santé, même anonymisées, ne devraient pas être publiées.", (-1, -1, 1)),
    ("Les registres des lobbyistes devraient être téléchargeables en entier, dans un format lisible par "
     "machine.", (1, -1, 0)),
    ("Le cadastre et les rôles d'évaluation foncière devraient être gratuits et ouverts.", (0, 1, -1)),
    ("Les dépenses de déplacement des élus devraient être publiées en données ouvertes.", (1, -1, 1)),
    ("Les données ouvertes devraient d'abord servir à créer des entreprises et des emplois au Québec.",
     (-1, 1, -1)),
    ("Il faut publier des API stables et documentées plutôt que des fichiers déposés une fois par année.",
     (0, 1, 0)),
    ("Les données sur la qualité de l'eau potable de chaque municipalité devraient être publiques.", (1, 1, 1)),
    ("L'État ne devrait pas publier de données avant d'avoir évalué les risques de réidentification.",
     (-1, -1, 1)),
    ("Les résultats des inspections des restaurants devraient être publiés en données ouvertes.", (1, 1, -1)),
    ("Les données géographiques de haute précision (lidar, orthophotos) devraient être gratuites.", (0, 1, -1)),
    ("Les temps d'attente dans les urgences devraient être publiés en temps réel.", (1, 1, 1)),
    ("Ouvrir les données coûte trop cher pour ce que ça rapporte aux citoyens.", (-1, -1, 1)),
    ("Les données sur les émissions de gaz à effet de serre des grandes entreprises devraient être ouvertes.",
     (1, -1, 0)),
    ("Les données de transport devraient suivre des standards internationaux comme GTFS.", (0, 1, 0)),
    ("Chaque jeu de données publié devrait indiquer une personne responsable à qui poser des questions.",
     (1, 1, 1)),
    ("Les entreprises qui réutilisent les données ouvertes devraient payer une redevance.", (1, -1, 1)),
    ("Les subventions aux entreprises devraient être publiées avec le nom du bénéficiaire.", (1, -1, 1)),
    ("Les données des permis de construction devraient être ouvertes pour toutes les municipalités.", (0, 1, -1)),
    ("Les données sur la réussite scolaire par école ne devraient pas être publiées.", (-1, -1, 1)),
    ("Les données ouvertes devraient être publiées en français et en anglais.", (0, 0, 0)),
    ("La publication des données devrait être obligatoire par la loi pour tous les organismes publics.",
     (1, 1, -1)),
    ("Les citoyens devraient pouvoir demander l'ouverture d'un jeu de données et obtenir une réponse publique.",
     (1, 1, 1)),
    ("Les données sur les accidents de la route devraient être géolocalisées précisément.", (0, 1, -1)),
    ("Il vaut mieux publier moins de jeux de données, mais mieux documentés et mis à jour.", (-1, 0, 1)),
    ("Les données des marchés publics devraient suivre le standard international OCDS.", (1, 1, 0)),
    ("Les données sur les places disponibles en garderie devraient être publiées chaque jour.", (1, 1, 0)),
    ("Les ministères devraient publier la liste de tous les jeux de données qu'ils détiennent, même fermés.",
     (1, 0, -1)),
]

HOUSING_STATEMENTS = [
    ("Le contrôle des loyers devrait s'appliquer à tous les logements, y compris les immeubles neufs.", (1, -1, 0)),
    ("Il faut construire davantage de logements sociaux, même si cela augmente les impôts.", (1, -1, 1)),
    ("Les municipalités devraient permettre des immeubles plus hauts près des transports en commun.", (0, 1, -1)),
    ("La location à court terme de type Airbnb devrait être interdite dans les grands centres.", (1, -1, 1)),
    ("L'accès à la propriété devrait être la priorité de la politique d'habitation.", (-1, 1, 0)),
    ("Les règles de zonage empêchent de construire assez de logements.", (-1, 1, -1)),
    ("Les logements abordables devraient être protégés de la spéculation immobilière.", (1, -1, 1)),
    ("Les régions devraient recevoir une part plus grande des fonds pour l'habitation.", (0, -1, 1)),
    ("Un registre public des loyers aiderait les locataires à faire valoir leurs droits.", (1, -1, 0)),
    ("Les coopératives d'habitation devraient recevoir un soutien prioritaire.", (1, -1, 1)),
    ("Les délais d'obtention des permis de construction sont le principal frein aux nouveaux projets.",
     (-1, 1, 0)),
    ("L'État devrait acheter des immeubles existants pour les retirer du marché privé.", (1, -1, 0)),
    ("La densification ne devrait pas se faire au détriment des espaces verts.", (1, -1, 1)),
    ("Les promoteurs devraient inclure 20 % de logements abordables dans chaque grand projet.", (1, -1, 0)),
    ("Les aînés devraient pouvoir adapter leur maison plutôt que déménager en résidence.", (1, 1, 1)),
    ("Les crédits d'impôt pour premier acheteur font surtout monter les prix.", (1, -1, 0)),
    ("Les maisons mobiles et mini-maisons devraient être permises partout.", (0, 1, 1)),
    ("La pénurie de main-d'œuvre en construction doit être réglée avant tout.", (-1, 1, 1)),
    ("Les logements vacants depuis plus d'un an devraient être taxés.", (1, -1, 1)),
    ("Le gouvernement devrait publier chaque année les données sur l'abordabilité par région.", (1, 1, 1)),
    ("Les propriétaires de petits immeubles sont trop encadrés par le Tribunal administratif du logement.",
     (-1, 1, 0)),
    ("Les terrains publics inutilisés devraient servir à bâtir des logements.", (1, 1, 1)),
    ("La politique devrait viser d'abord les personnes en situation d'itinérance.", (1, -1, 1)),
    ("Le télétravail devrait pousser l'État à investir davantage dans l'habitation en région.", (0, 0, 1)),
    ("Il faut simplifier les normes de construction pour réduire les coûts.", (-1, 1, -1)),
]

PARTICIPANT_STATEMENTS = [
    (demo_people.participant_email(3),
     "Les données sur les inondations et les zones à risque devraient être ouvertes et mises à jour."),
    (demo_people.participant_email(17),
     "Les données ouvertes devraient toujours être accompagnées d'un dictionnaire des données en français."),
]


def _participants(count: int):
    return demo_people.participants(count)


def _votes(stances: list[tuple], people: int, *, seed: int, weights=(0.4, 0.35, 0.25), agreement=0.85,
           pass_rate=0.08, missing_rate=0.25) -> tuple[np.ndarray, np.ndarray]:
    """A people × statements vote matrix from the groups' stances (``NaN``: not voted)."""
    rng = np.random.default_rng(seed)
    stance = np.array(stances, dtype=float).T  # groups × statements
    labels = rng.choice(len(weights), size=people, p=np.array(weights) / sum(weights))
    expected = stance[labels]
    split = expected == 0
    expected = np.where(split, rng.choice([-1.0, 1.0], size=expected.shape), expected)
    follow = rng.random(expected.shape) < agreement
    matrix = np.where(follow, expected, -expected)
    matrix = np.where(split & (rng.random(expected.shape) < 0.4), 0.0, matrix)
    matrix = np.where(rng.random(expected.shape) < pass_rate, 0.0, matrix)
    matrix = np.where(rng.random(expected.shape) < missing_rate, np.nan, matrix)
    return matrix, labels


def _bulk_votes(conversation: Conversation, statements: list[Statement], people: list, matrix: np.ndarray) -> int:
    """Write the votes, then the counters, total and participation rows from them (demo only)."""
    rows = [StatementVote(statement=statements[j], conversation=conversation, user=people[i], value=int(matrix[i, j]))
            for i in range(len(people)) for j in range(len(statements)) if not np.isnan(matrix[i, j])]
    StatementVote.objects.bulk_create(rows, batch_size=2000)
    counts = (StatementVote.objects.filter(conversation=conversation).values("statement")
              .annotate(a=Count("pk", filter=Q(value=1)), d=Count("pk", filter=Q(value=-1)),
                        p=Count("pk", filter=Q(value=0))))
    for row in counts:
        Statement.objects.filter(pk=row["statement"]).update(agree_count=row["a"], disagree_count=row["d"],
                                                             pass_count=row["p"])
    Conversation.objects.filter(pk=conversation.pk).update(votes_count=len(rows))
    voters = {people[i].pk for i in range(len(people)) if np.any(~np.isnan(matrix[i]))}
    existing = set(Participation.objects.filter(process=conversation.process, user_id__in=voters)
                   .values_list("user_id", flat=True))
    Participation.objects.filter(process=conversation.process, user_id__in=existing).update(
        actions=F("actions") + 1)
    Participation.objects.bulk_create([Participation(process=conversation.process, user_id=u, actions=1)
                                       for u in voters - existing], ignore_conflicts=True)
    return len(rows)


def _conversation(process: Process, admin, *, slug: str, data: dict, stances: list[tuple], people: list,
                  seed: int) -> dict:
    from . import opinions

    if Conversation.objects.filter(process=process, slug=slug).exists():
        return {"conversation": slug, "created": False}
    with transaction.atomic():
        conversation = opinions.conversation_create(actor=admin, process=process, is_demo=True,
                                                    data={**data, "slug": slug, "seeds": [t for t, _s in stances]})
        conversation.process = process
        statements = list(conversation.statements.order_by("pk"))
        Statement.objects.filter(conversation=conversation).update(is_demo=True)
        matrix, _labels = _votes([s for _t, s in stances], len(people), seed=seed)
        votes = _bulk_votes(conversation, statements, people, matrix)
    return {"conversation": slug, "created": True, "votes": votes}


def load(stdout=None) -> dict:
    """Create the demo conversations (once)."""
    from . import access

    admin = demo_people.admin()
    report = {}
    strategy = Process.objects.filter(slug="strategie-donnees-ouvertes").first()
    housing = Process.objects.filter(slug="politique-habitation").first()
    people = _participants(400 if housing else 150) if (strategy or housing) else []
    if strategy:
        report["strategie"] = _conversation(strategy, admin, slug="donnees-prioritaires", data={
            "title_fr": "Quelles données devraient être ouvertes en priorité?",
            "title_en": "Which data should be opened first?",
            "description_fr": "Votez « d'accord », « en désaccord » ou « je passe » sur chaque énoncé, puis "
                              "ajoutez les vôtres. Les groupes d'opinion se forment à mesure que les votes "
                              "arrivent.",
            "description_en": "Vote agree, disagree or pass on each statement, then add your own.",
            "participants_can_add": True, "premoderated": True,
        }, stances=DATA_STATEMENTS, people=people[:150], seed=2021)
        if report["strategie"]["created"]:
            from . import opinions

            conversation = Conversation.objects.get(process=strategy, slug="donnees-prioritaires")
            conversation.process = strategy
            for email, text in PARTICIPANT_STATEMENTS:
                author = next(p for p in people if p.email == email)
                if access.component_open(strategy, "opinions"):
                    statement = opinions.statement_add(user=author, conversation=conversation, text=text)
                else:
                    statement = Statement.objects.create(conversation=conversation, author=author, text=text,
                                                         status=Statement.Status.PENDING)
                Statement.objects.filter(pk=statement.pk).update(is_demo=True)
            first = conversation.statements.filter(is_seed=False).order_by("pk").first()
            if first is not None:
                opinions.statement_moderate(actor=admin, statement=first, accept=True)
    if housing:
        report["habitation"] = _conversation(housing, admin, slug="priorites-habitation", data={
            "title_fr": "Vos priorités pour l'habitation au Québec",
            "title_en": "Your housing priorities in Quebec",
            "description_fr": "Les énoncés ont été rédigés à partir des mémoires reçus; les votes sont fermés "
                              "depuis le début de l'analyse.",
            "participants_can_add": False, "premoderated": False,
        }, stances=HOUSING_STATEMENTS, people=people, seed=2022)
    # The opinion groups, computed once everything is in (a second run finds them up to date).
    from . import opinions

    for process, slug in ((strategy, "donnees-prioritaires"), (housing, "priorites-habitation")):
        conversation = Conversation.objects.filter(process=process, slug=slug).first() if process else None
        if conversation is not None:
            conversation.process = process
            report[slug] = opinions.opinion_groups(conversation=conversation)["k"]
    if stdout is not None:
        stdout.write("opinions : " + ", ".join(
            f"{name} ({'créée' if row['created'] else 'déjà là'})" for name, row in report.items()
            if isinstance(row, dict)))
    return report
