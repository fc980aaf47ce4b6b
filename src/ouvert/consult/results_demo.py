"""Demo content of the results part (``ouvert demo``, order 280: after every other part of consult;
idempotent: a second run changes nothing).

- satisfaction answers from the participants of « Politique nationale de l'habitation » and of « Plan
  d'action pour un gouvernement ouvert 2021-2023 », spread over the last months;
- the report « Ce que nous avons entendu » of the 2021-2023 plan, generated from the data the other parts'
  demos made, edited by the organiser (an introduction and the next steps), published;
- the open dataset of the results published at once (the demo runs without a worker);
- a few suggestions in the suggestion box, one of them answered.

Dates of satisfaction answers are set directly (demo only), so that the monthly chart has history.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from . import demo_people, outreach
from .models import Participation, Process, ProcessReport, SatisfactionResponse, Suggestion

HOUSING = "politique-habitation"
PLAN = "plan-gouvernement-ouvert-2021"

COMMENTS = [
    (5, "Très clair : j'ai compris ce qui était décidé et comment mon avis serait utilisé."),
    (4, "Bonne expérience. J'aurais aimé recevoir un rappel avant la fin de la période de contribution."),
    (4, ""),
    (5, "La réponse officielle à ma proposition était détaillée, merci."),
    (3, "Les documents de référence étaient longs; un résumé en langage simple aiderait."),
    (4, "Facile à utiliser sur mon téléphone."),
    (2, "Je n'ai pas trouvé comment modifier ma proposition après l'avoir déposée."),
    (5, ""),
    (4, "Les groupes d'opinion sont une belle façon de voir où l'on s'entend."),
    (3, "Trop de questions dans le questionnaire."),
    (5, "Merci d'avoir tenu aussi une séance en personne."),
    (4, ""),
]

SUGGESTIONS = [
    ("Ajouter une version audio des documents de consultation pour les personnes qui lisent difficilement.",
     None, "Excellente idée. Nous ajouterons une version audio des documents principaux à partir des prochaines "
     "consultations; les organismes pourront téléverser un fichier MP3 avec chaque document."),
    ("Pouvoir recevoir un résumé hebdomadaire des nouvelles consultations de ma région seulement.", None, ""),
    ("Indiquer sur chaque proposition la date prévue de la réponse officielle de l'organisme.", HOUSING, ""),
]

REPORT_INTRO_FR = (
    "> **Mot de l'organisme.** Merci aux personnes qui ont pris le temps de proposer, d'appuyer et de commenter. "
    "Ce rapport résume ce que nous avons entendu et la suite que nous y donnons; chaque proposition reçoit une "
    "réponse. Les données anonymisées de la consultation sont publiées dans le catalogue de données ouvertes.\n\n")
REPORT_INTRO_EN = (
    "> **A word from the organisation.** Thank you to everyone who took the time to propose, support and comment. "
    "This report sums up what we heard and what we will do about it; every proposal gets an answer. The "
    "consultation's anonymised data is published in the open data catalogue.\n\n")
REPORT_NEXT_FR = (
    "\n## Prochaines étapes\n\n"
    "- Les engagements retenus sont intégrés au prochain plan d'action, avec leurs jalons.\n"
    "- L'état d'avancement de chaque engagement est suivi publiquement dans la section « Plan ».\n"
    "- Une nouvelle consultation sera tenue à mi-parcours pour ajuster le plan.\n")
REPORT_NEXT_EN = (
    "\n## Next steps\n\n"
    "- The accepted commitments go into the next action plan, with their milestones.\n"
    "- Progress on each commitment is tracked publicly in the « Plan » section.\n"
    "- A new consultation will be held half-way to adjust the plan.\n")


def _satisfaction(process: Process, *, offset: int, stdout=None) -> int:
    """Satisfaction answers from the process's first participants (those who took part)."""
    from . import results

    participants = list(Participation.objects.filter(process=process).select_related("user")
                        .order_by("first_action_at", "pk")[:len(COMMENTS)])
    made = 0
    now = timezone.now()
    for index, participation in enumerate(participants):
        user = participation.user
        if user.email == demo_people.VISITOR_EMAIL:
            continue  # the visitor is offered the survey herself
        if SatisfactionResponse.objects.filter(process=process, user=user).exists():
            continue
        score, comment = COMMENTS[(index + offset) % len(COMMENTS)]
        response = results.satisfaction_submit(process=process, user=user, score=score, comment=comment)
        when = now - datetime.timedelta(days=12 + 17 * ((index + offset) % 6))
        SatisfactionResponse.objects.filter(pk=response.pk).update(created_at=when)
        made += 1
    return made


def _report(process: Process, admin) -> bool:
    from . import results

    report = ProcessReport.objects.filter(process=process).first()
    if report is not None and report.published_at is not None:
        return False
    report = results.report_generate(process=process, user=admin)
    if report.edited_at is None:
        body_fr = report.body_fr
        body_en = report.body_en
        # The organiser's edits: a word after the title, the next steps at the end.
        head_fr, _sep, rest_fr = body_fr.partition("\n\n")
        head_en, _sep, rest_en = body_en.partition("\n\n")
        results.report_update(process=process, user=admin,
                              body_fr=f"{head_fr}\n\n{REPORT_INTRO_FR}{rest_fr.rstrip()}\n{REPORT_NEXT_FR}",
                              body_en=f"{head_en}\n\n{REPORT_INTRO_EN}{rest_en.rstrip()}\n{REPORT_NEXT_EN}")
    results.report_publish(process=process, user=admin)
    return True


def _suggestions(admin) -> int:
    from . import results

    made = 0
    visitor = demo_people.visitor()
    for index, (body, slug, answer) in enumerate(SUGGESTIONS):
        if Suggestion.objects.filter(body=body).exists():
            continue
        process = Process.objects.filter(slug=slug).first() if slug else None
        author = demo_people.participant(90 + index) if index else visitor
        suggestion = Suggestion.objects.create(author=author, process=process, body=body, is_public=True)
        if answer:
            results.suggestion_answer(user=admin, suggestion=suggestion, answer=answer)
        made += 1
    return made


def load(stdout=None) -> None:
    from ouvert.catalog import services as catalog_services

    from . import results

    admin = demo_people.admin()
    messages = []
    with transaction.atomic():
        for offset, slug in enumerate((HOUSING, PLAN)):
            process = Process.objects.filter(slug=slug).first()
            if process is not None:
                n = _satisfaction(process, offset=offset * 5)
                if n:
                    messages.append(f"{n} satisfaction answers for {slug}")
        plan = Process.objects.filter(slug=PLAN).first()
        if plan is not None and _report(plan, admin):
            messages.append(f"report of {PLAN} published")
        n = _suggestions(admin)
        if n:
            messages.append(f"{n} suggestions")
    # The last consult demo: the open data of the results and of the indicators are published once every
    # part's demo content is in (publishing the indicators earlier would republish them on the next run).
    catalog_services.open_data_refresh(results.RESULTS_OPEN_DATA_KEY)
    catalog_services.open_data_refresh(outreach.INDICATORS_OPEN_DATA_KEY)
    if stdout is not None:
        for message in messages:
            stdout.write(f"consult results: {message}\n")
