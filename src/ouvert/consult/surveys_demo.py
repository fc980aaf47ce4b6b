"""Demo content of the surveys part (``ouvert demo``, order 240; idempotent: a second run changes nothing).

- « Vos usages des données ouvertes » in ``strategie-donnees-ouvertes`` (contribution open now): one question
  of every kind, a display condition (the data types are asked only of people who use open data), two
  socio-demographic questions (age group, region), and about forty responses from demo participants; the demo
  visitor ``citoyenne@demo.ouvert.local`` has not answered, so she can try it.
- « Vos besoins en habitation » in ``politique-habitation`` (analysis phase: closed to new responses), two
  hundred anonymous responses, so that its charts are meaningful.

The processes are made by the processes part (order 200); a missing one is skipped. The questions go through
the builder's services (as the process's organiser); the responses through the same validation as the form,
without the participation check (the second survey is closed), with creation dates spread over the past weeks.
"""

from __future__ import annotations

import datetime
import random

from django.db import transaction
from django.utils import timezone

from . import demo_people, surveys
from .demo_people import write as _write
from .models import Process, Question, Response, Survey

Kind = Question.Kind

AGES = ["18-24", "25-34", "35-44", "45-54", "55-64", "65-plus"]
AGE_LABELS = ["18 à 24 ans", "25 à 34 ans", "35 à 44 ans", "45 à 54 ans", "55 à 64 ans", "65 ans et plus"]
REGIONS = [("capitale-nationale", "Capitale-Nationale"), ("montreal", "Montréal"), ("monteregie", "Montérégie"),
           ("laval", "Laval"), ("estrie", "Estrie"), ("saguenay", "Saguenay–Lac-Saint-Jean"),
           ("gaspesie", "Gaspésie–Îles-de-la-Madeleine"), ("nord-du-quebec", "Nord-du-Québec")]


def _choices(*labels) -> list[dict]:
    return [{"key": key, "label_fr": label} for key, label in labels]


OPEN_DATA_SURVEY = {
    "slug": "usages-donnees-ouvertes",
    "title_fr": "Vos usages des données ouvertes",
    "title_en": "How you use open data",
    "description_fr": "Ce questionnaire d'une dizaine de minutes nous aide à comprendre **qui utilise les données "
                      "ouvertes gouvernementales, comment et pour quoi**, afin d'orienter les priorités de la "
                      "Stratégie. Les questions sociodémographiques sont facultatives.",
    "description_en": "This ten-minute questionnaire helps us understand who uses government open data, how and "
                      "what for.",
    "anonymous": False,
    "questions": [
        {"kind": Kind.SINGLE, "required": True,
         "text_fr": "À quelle fréquence utilisez-vous des données ouvertes gouvernementales?",
         "text_en": "How often do you use government open data?",
         "options": {"choices": _choices(("jamais", "Jamais"), ("rarement", "Quelques fois par année"),
                                         ("mensuel", "Chaque mois"), ("hebdomadaire", "Chaque semaine"),
                                         ("quotidien", "Chaque jour"))}},
        {"kind": Kind.MULTIPLE, "required": True,
         "text_fr": "Quels types de données utilisez-vous le plus?", "text_en": "Which kinds of data do you use most?",
         "help_fr": "Trois choix au plus.",
         "options": {"max_choices": 3, "choices": _choices(
             ("transport", "Transport et mobilité"), ("environnement", "Environnement"), ("sante", "Santé"),
             ("finances", "Finances publiques et contrats"), ("geographie", "Géographie et cartes"),
             ("education", "Éducation"), ("culture", "Culture et patrimoine"))},
         "condition": {"question": 1, "in": ["rarement", "mensuel", "hebdomadaire", "quotidien"]}},
        {"kind": Kind.RANKING, "required": False,
         "text_fr": "Classez ces orientations de la Stratégie, de la plus importante à la moins importante pour vous.",
         "text_en": "Rank these directions of the Strategy.",
         "options": {"choices": _choices(
             ("qualite", "Améliorer la qualité et la mise à jour des données"),
             ("quantite", "Publier davantage de jeux de données"),
             ("api", "Offrir des API et des formats ouverts"),
             ("accompagnement", "Accompagner les utilisateurs (formation, exemples)"),
             ("participation", "Laisser le public choisir les données à publier"))}},
        {"kind": Kind.MATRIX, "required": False,
         "text_fr": "Quelle est votre satisfaction à l'égard de Données Québec?",
         "text_en": "How satisfied are you with Données Québec?",
         "options": {"rows": _choices(("recherche", "Trouver un jeu de données"),
                                      ("metadonnees", "La description des données (métadonnées)"),
                                      ("formats", "Les formats offerts"),
                                      ("mises-a-jour", "La fréquence des mises à jour")),
                     "choices": _choices(("insatisfait", "Insatisfait"), ("plutot-insatisfait", "Plutôt insatisfait"),
                                         ("plutot-satisfait", "Plutôt satisfait"), ("satisfait", "Satisfait"))}},
        {"kind": Kind.SCALE_5, "required": True,
         "text_fr": "Les données ouvertes sont-elles utiles à votre travail ou à vos projets?",
         "text_en": "Is open data useful for your work or projects?"},
        {"kind": Kind.SCALE_10, "required": False,
         "text_fr": "Quelle est la probabilité que vous recommandiez Données Québec à une ou un collègue?",
         "text_en": "How likely are you to recommend Données Québec to a colleague?"},
        {"kind": Kind.SHORT_TEXT, "required": False, "options": {"max_length": 200},
         "text_fr": "Quel jeu de données aimeriez-vous voir publié en priorité?",
         "text_en": "Which dataset would you like to see published first?"},
        {"kind": Kind.LONG_TEXT, "required": False, "options": {"max_length": 3000},
         "text_fr": "Avez-vous d'autres commentaires sur la Stratégie?",
         "text_en": "Any other comments on the Strategy?"},
        {"kind": Kind.FILE, "required": False, "options": {"types": ["pdf"], "max_bytes": 5 * 1024 * 1024},
         "text_fr": "Vous pouvez joindre un mémoire (PDF, 5 Mo au plus).",
         "text_en": "You may attach a brief (PDF, 5 MB at most)."},
        {"kind": Kind.SINGLE, "is_demographic": True, "text_fr": "Votre groupe d'âge", "text_en": "Your age group",
         "options": {"choices": _choices(*zip(AGES, AGE_LABELS, strict=True))}},
        {"kind": Kind.SINGLE, "is_demographic": True, "text_fr": "Votre région administrative",
         "text_en": "Your administrative region", "options": {"choices": _choices(*REGIONS)}},
    ],
}

HOUSING_SURVEY = {
    "slug": "besoins-habitation",
    "title_fr": "Vos besoins en habitation",
    "title_en": "Your housing needs",
    "description_fr": "Ce questionnaire anonyme recueille votre situation et vos priorités pour la future "
                      "Politique nationale de l'habitation.",
    "description_en": "This anonymous questionnaire gathers your situation and priorities for the housing policy.",
    "anonymous": True,
    "questions": [
        {"kind": Kind.SINGLE, "required": True, "text_fr": "Quelle est votre situation de logement?",
         "text_en": "What is your housing situation?",
         "options": {"choices": _choices(("locataire", "Locataire"), ("proprietaire", "Propriétaire"),
                                         ("cooperative", "Membre d'une coopérative ou locataire d'un OBNL"),
                                         ("heberge", "Hébergé chez de la famille ou des amis"))}},
        {"kind": Kind.MULTIPLE, "required": False,
         "text_fr": "Quelles difficultés avez-vous vécues ces trois dernières années?",
         "text_en": "Which difficulties did you face in the last three years?",
         "options": {"choices": _choices(("loyer", "Hausse de loyer importante"),
                                         ("trouver", "Difficulté à trouver un logement"),
                                         ("insalubrite", "Logement en mauvais état"),
                                         ("eviction", "Reprise ou éviction"),
                                         ("acces-propriete", "Impossible d'accéder à la propriété"),
                                         ("aucune", "Aucune de ces difficultés"))}},
        {"kind": Kind.SCALE_10, "required": True,
         "text_fr": "Sur une échelle de 1 à 10, à quel point est-il difficile de vous loger dans votre région?",
         "text_en": "How hard is it to find housing in your region (1 to 10)?"},
        {"kind": Kind.RANKING, "required": True,
         "text_fr": "Classez ces priorités pour la Politique nationale de l'habitation.",
         "text_en": "Rank these priorities for the housing policy.",
         "options": {"choices": _choices(("social", "Construire davantage de logements sociaux et abordables"),
                                         ("locataires", "Mieux protéger les locataires"),
                                         ("premier-achat", "Aider l'achat d'une première propriété"),
                                         ("renovation", "Rénover le parc existant"))}},
        {"kind": Kind.MATRIX, "required": False,
         "text_fr": "Êtes-vous d'accord avec ces mesures?", "text_en": "Do you agree with these measures?",
         "options": {"rows": _choices(("registre", "Un registre public des loyers"),
                                      ("zonage", "Permettre plus de logements dans les quartiers existants"),
                                      ("taxe", "Taxer les logements laissés vacants")),
                     "choices": _choices(("desaccord", "En désaccord"), ("neutre", "Neutre"),
                                         ("accord", "D'accord"))}},
        {"kind": Kind.LONG_TEXT, "required": False, "options": {"max_length": 3000},
         "text_fr": "Que devrait contenir la Politique pour répondre à vos besoins?",
         "text_en": "What should the policy contain to meet your needs?"},
        {"kind": Kind.SINGLE, "is_demographic": True, "text_fr": "Votre groupe d'âge", "text_en": "Your age group",
         "options": {"choices": _choices(*zip(AGES, AGE_LABELS, strict=True))}},
        {"kind": Kind.SINGLE, "is_demographic": True, "text_fr": "Votre ménage",
         "text_en": "Your household",
         "options": {"choices": _choices(("seul", "Personne seule"), ("couple", "Couple sans enfant"),
                                         ("famille", "Famille avec enfants"),
                                         ("monoparentale", "Famille monoparentale"), ("autre", "Autre"))}},
    ],
}

DATASET_WISHES = [
    "Les horaires en temps réel des autobus de toutes les sociétés de transport",
    "Les contrats publics avec leurs avenants", "La qualité de l'eau des rivières, station par station",
    "Les temps d'attente aux urgences, par hôpital", "Les permis de construction des municipalités",
    "Les inspections des restaurants", "Les données de fréquentation des parcs nationaux",
    "Le rôle d'évaluation foncière de toutes les municipalités", "Les bornes de recharge électrique",
]
COMMENTS = [
    "Merci pour cette consultation. Les jeux de données devraient indiquer clairement leur date de mise à jour.",
    "Les fichiers CSV ne suivent pas toujours le même encodage : c'est difficile à réutiliser.",
    "J'aimerais des exemples concrets de réutilisation pour convaincre mon organisation.",
    "Une API stable, documentée et versionnée serait plus utile que de nouveaux fichiers.",
    "Pensez aux petites municipalités : elles ont besoin d'accompagnement pour publier leurs données.",
    "La licence devrait être la même pour tous les jeux de données.",
]
HOUSING_COMMENTS = [
    "Plus de logements sociaux près des services et du transport en commun.",
    "Un vrai contrôle des loyers : ma hausse cette année dépasse 12 %.",
    "Aider les aînés à rester dans leur quartier avec des logements adaptés.",
    "Accélérer les permis pour la construction de logements abordables.",
    "Soutenir les coopératives d'habitation, qui gardent les loyers bas à long terme.",
    "Les logements en mauvais état devraient être inspectés plus souvent.",
]




def _participant(n: int):
    return demo_people.participant(n)


def _survey(spec: dict, process: Process, actor) -> Survey:
    survey = Survey.objects.filter(process=process, slug=spec["slug"]).first()
    if survey is None:
        survey = surveys.survey_create(actor=actor, process=process, data={
            k: spec[k] for k in ("slug", "title_fr", "title_en", "description_fr", "description_en", "anonymous")})
        Survey.objects.filter(pk=survey.pk).update(is_demo=True)
        survey.is_demo = True
    survey.process = process
    if not survey.questions.exists():
        for question in spec["questions"]:
            if question.get("is_demographic") and not process.demographics_enabled:
                continue
            surveys.question_add(actor=actor, survey=survey, data=question)
    return survey


def _open_data_answers(rng: random.Random, n: int) -> tuple[dict, bool]:
    frequency = rng.choices(["jamais", "rarement", "mensuel", "hebdomadaire", "quotidien"], [2, 4, 5, 4, 2])[0]
    answers: dict = {1: frequency, 5: rng.choices([1, 2, 3, 4, 5], [1, 2, 4, 6, 4])[0]}
    if frequency != "jamais":
        answers[2] = rng.sample(["transport", "environnement", "sante", "finances", "geographie", "education",
                                 "culture"], rng.randint(1, 3))
    if rng.random() < 0.8:
        order = ["qualite", "api", "quantite", "accompagnement", "participation"]
        if rng.random() < 0.5:
            rng.shuffle(order)
        else:
            order.insert(0, order.pop(rng.randrange(5)))
        answers[3] = order
    if rng.random() < 0.7:
        answers[4] = {row: rng.choices(["insatisfait", "plutot-insatisfait", "plutot-satisfait", "satisfait"],
                                       [1, 2, 4, 3])[0]
                      for row in ("recherche", "metadonnees", "formats", "mises-a-jour") if rng.random() < 0.9}
    if rng.random() < 0.8:
        answers[6] = rng.choices(range(1, 11), [1, 1, 1, 2, 3, 4, 6, 6, 4, 3])[0]
    if rng.random() < 0.5:
        answers[7] = rng.choice(DATASET_WISHES)
    if rng.random() < 0.3:
        answers[8] = rng.choice(COMMENTS)
    consent = rng.random() < 0.75
    if consent:
        answers[10] = rng.choices(AGES, [2, 6, 6, 4, 3, 2])[0]
        answers[11] = rng.choices([k for k, _label in REGIONS], [10, 9, 5, 3, 2, 1, 1, 1])[0]
    return answers, consent


def _housing_answers(rng: random.Random, n: int) -> tuple[dict, bool]:
    tenure = rng.choices(["locataire", "proprietaire", "cooperative", "heberge"], [50, 35, 8, 7])[0]
    difficulties = ["loyer", "trouver", "insalubrite", "eviction", "acces-propriete"]
    chosen = [d for d in difficulties if rng.random() < (0.45 if tenure != "proprietaire" else 0.12)]
    answers: dict = {1: tenure, 2: chosen or ["aucune"],
                     3: min(10, max(1, round(rng.gauss(7.5 if tenure != "proprietaire" else 5.5, 1.8))))}
    order = ["social", "locataires", "premier-achat", "renovation"]
    if tenure == "proprietaire":
        order = ["premier-achat", "renovation", "social", "locataires"]
    if rng.random() < 0.4:
        rng.shuffle(order)
    answers[4] = order
    if rng.random() < 0.8:
        answers[5] = {"registre": rng.choices(["desaccord", "neutre", "accord"], [1, 2, 6])[0],
                      "zonage": rng.choices(["desaccord", "neutre", "accord"], [3, 3, 4])[0],
                      "taxe": rng.choices(["desaccord", "neutre", "accord"], [2, 2, 5])[0]}
    if rng.random() < 0.25:
        answers[6] = rng.choice(HOUSING_COMMENTS)
    consent = rng.random() < 0.8
    if consent:
        answers[7] = rng.choices(AGES, [3, 7, 6, 5, 4, 3])[0]
        answers[8] = rng.choices(["seul", "couple", "famille", "monoparentale", "autre"], [6, 5, 6, 2, 1])[0]
    return answers, consent


def _responses(survey: Survey, count: int, make, seed: int) -> int:
    """Responses of participants 1…``count`` (those already stored are skipped); returns how many were added."""
    rng_master = random.Random(seed)
    seeds = [rng_master.random() for _n in range(count)]
    start = timezone.now() - datetime.timedelta(days=20)
    existing = set(Response.objects.filter(survey=survey).values_list("respondent", flat=True))
    positions = {q.position for q in survey.questions.all()}
    added = 0
    for n in range(1, count + 1):
        person = _participant(n)
        if surveys.survey_respondent_key(survey=survey, user=person) in existing:
            continue
        rng = random.Random(seeds[n - 1])
        answers, consent = make(rng, n)
        answers = {k: v for k, v in answers.items() if k in positions}
        created_at = start + datetime.timedelta(minutes=int(rng.random() * 20 * 24 * 60))
        surveys._respond(survey=survey, user=person, answers=answers, demographics_consent=consent, is_demo=True,
                         created_at=created_at)
        added += 1
    return added


def load(stdout=None) -> None:
    """The demo loader (after the processes part's). Idempotent."""
    admin = demo_people.admin()
    lines = []
    for slug, spec, count, make, seed in (
            ("strategie-donnees-ouvertes", OPEN_DATA_SURVEY, 40, _open_data_answers, 2021),
            ("politique-habitation", HOUSING_SURVEY, 200, _housing_answers, 2023)):
        process = Process.objects.filter(slug=slug).first()
        if process is None:
            lines.append(f"{slug} absente (questionnaire non chargé)")
            continue
        with transaction.atomic():
            survey = _survey(spec, process, admin)
            added = _responses(survey, count, make, seed)
        lines.append(f"« {survey.title_fr} » ({added} réponses ajoutées)")
    _write(stdout, "consultations, questionnaires : " + "; ".join(lines))
