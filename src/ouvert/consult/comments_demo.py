"""Demo content of the comments part (``ouvert demo``, order 270, after the proposals at 230 and the
meetings): threads with replies and votes on demo proposals and meetings of « Stratégie québécoise des
données ouvertes » and « Politique nationale de l'habitation », a few reports, and one comment hidden
automatically after reaching its process's report threshold (in the moderators' queue).

Idempotent: a process that already has demo comments is left as it is. The comments are written
directly (the analysis phase of the housing policy no longer takes comments, and the demo spreads them
over the past days), with the same counters the services keep; the reports go through the same code as
``flag_create`` (counts, automatic hiding, audit).
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from . import access, demo_people
from .comments import _count_change, _flag_record
from .demo_people import write as _write
from .models import Comment, CommentVote, Flag, Meeting, Process, Proposal, TargetKind

# Each thread: (top-level text, [(reply text, [(reply to reply text)…])…]); authors rotate.
THREADS = {
    "strategie-donnees-ouvertes": [
        ("Tout à fait d'accord. Il faudrait aussi publier les données **dans un format ouvert** (CSV ou "
         "GeoJSON) plutôt qu'en PDF, sinon personne ne peut les réutiliser.",
         [("Et avec un dictionnaire de données : sans la description des colonnes, on devine trop souvent.",
           ["Bonne remarque. Les normes du Partenariat données Québec proposent déjà un modèle."]),
          ("Le format compte, mais la fréquence de mise à jour encore plus : des données de 2019 ne servent "
           "plus à grand-chose.", [])]),
        ("Je travaille dans une petite municipalité : nous n'avons ni le personnel ni les outils pour publier "
         "nous-mêmes. Un accompagnement du gouvernement serait essentiel.",
         [("Une plateforme commune, comme Données Québec, règle déjà une partie du problème.", [])]),
        ("Pensez aux personnes qui ne sont pas programmeuses : des tableaux et des cartes simples, directement "
         "dans le site, rendraient ces données utiles à beaucoup plus de monde.", []),
    ],
    "politique-habitation": [
        ("Les délais d'obtention des permis de construire sont un frein majeur. Publier ces délais par "
         "municipalité permettrait de voir où ça bloque.",
         [("D'accord, mais attention à ne pas comparer des villes de tailles très différentes sans nuance.",
           ["Il suffit de publier aussi le nombre de demandes traitées : chacun pourra comparer."])]),
        ("Dans ma région, les logements abordables sont surtout loués par bouche-à-oreille. Un registre des "
         "loyers aiderait les locataires à connaître les prix réels.",
         [("Un registre des loyers existe déjà dans d'autres provinces ; on pourrait s'en inspirer.", []),
          ("Il faudra protéger les renseignements personnels des locataires.", [])]),
        ("Il faudrait penser aux coopératives d'habitation : elles offrent des loyers stables depuis des "
         "décennies et manquent surtout de terrains.", []),
    ],
}

MEETING_THREAD = [
    ("Est-ce que la rencontre sera accessible en fauteuil roulant ? La salle n'est pas indiquée.",
     [("Bonne question ; ce serait bien de l'indiquer aussi pour les personnes malentendantes (sous-titrage).",
       [])]),
    ("Merci d'organiser une séance en soirée : c'est beaucoup plus facile pour les parents.", []),
]

SPAM = "Gagnez de l'argent rapidement depuis chez vous !!! Cliquez sur notre site pour en savoir plus."
DOUBTFUL = "Encore une consultation pour rien, de toute façon les décisions sont déjà prises."




def _people():
    return demo_people.participants(8, start=41), demo_people.visitor()


class _Writer:
    """Writes demo comments with the services' counters, in the past."""

    def __init__(self, process: Process, people):
        self.process = process
        self.people = people
        self.turn = 0
        self.now = timezone.now()
        self.created = 0

    def person(self):
        self.turn += 1
        return self.people[self.turn % len(self.people)]

    def comment(self, kind, target_id, body, *, parent=None, hours_ago: float = 48, author=None):
        author = author or self.person()
        comment = Comment.objects.create(
            process=self.process, target_kind=kind, target_id=target_id, parent=parent,
            depth=(parent.depth + 1) if parent else 0, author=author, body=body, is_demo=True,
            created_at=self.now - datetime.timedelta(hours=hours_ago))
        _count_change(kind, target_id, +1)
        access.participation_record(process=self.process, user=author)
        self.created += 1
        return comment

    def votes(self, comment, ups: int, downs: int = 0):
        voters = [p for p in self.people if p.pk != comment.author_id]
        ups, downs = min(ups, len(voters)), min(downs, max(0, len(voters) - ups))
        CommentVote.objects.bulk_create(
            [CommentVote(comment=comment, user=u, value=1) for u in voters[:ups]]
            + [CommentVote(comment=comment, user=u, value=-1) for u in voters[ups:ups + downs]])
        Comment.objects.filter(pk=comment.pk).update(upvotes=F("upvotes") + ups, downvotes=F("downvotes") + downs)

    def thread(self, kind, target_id, spec, start_hours: float):
        hours = start_hours
        first = None
        for index, (text, replies) in enumerate(spec):
            top = self.comment(kind, target_id, text, hours_ago=hours)
            first = first or top
            self.votes(top, ups=5 - index, downs=index)
            for reply_text, answers in replies:
                hours -= 3
                reply = self.comment(kind, target_id, reply_text, parent=top, hours_ago=hours)
                self.votes(reply, ups=2)
                for answer_text in answers:
                    hours -= 2
                    self.comment(kind, target_id, answer_text, parent=reply, hours_ago=hours)
            hours -= 10
        return first


def _fill(process: Process, people, visitor) -> tuple[int, int]:
    writer = _Writer(process, people)
    proposals = list(Proposal.objects.filter(process=process, is_hidden=False).order_by("number")[:3])
    spec = THREADS[process.slug]
    targets = [(TargetKind.PROPOSAL, p.pk) for p in proposals] or [(TargetKind.PROCESS, process.pk)]
    first_comment = None
    for index, (kind, target_id) in enumerate(targets):
        # the first target gets the whole thread, the others part of it
        part = spec if index == 0 else spec[index % len(spec):][:2]
        comment = writer.thread(kind, target_id, part, start_hours=120 - 20 * index)
        first_comment = first_comment or comment
    for meeting in Meeting.objects.filter(process=process).order_by("starts_at")[:1]:
        writer.thread(TargetKind.MEETING, meeting.pk, MEETING_THREAD, start_hours=30)
    kind, target_id = targets[0]
    reports = 0
    # A spam comment, hidden automatically when its reports reach the process's threshold.
    threshold = process.auto_hide_threshold or 3
    spam = writer.comment(kind, target_id, SPAM, hours_ago=6, author=people[-1])
    reporters = [p for p in people[:-1]][:threshold]
    for reporter in reporters:
        _flag_record(process=process, kind=TargetKind.COMMENT, target_id=spam.pk, user=reporter,
                     reason=Flag.Reason.SPAM, details="Publicité sans rapport avec la consultation.")
        reports += 1
    # A comment reported once (left visible, waiting in the queue).
    doubtful = writer.comment(kind, target_id, DOUBTFUL, hours_ago=4, author=people[-2])
    _flag_record(process=process, kind=TargetKind.COMMENT, target_id=doubtful.pk, user=people[0],
                 reason=Flag.Reason.OFF_TOPIC, details="Ne répond pas à la question posée.")
    reports += 1
    # The demo visitor already voted on the first comment and can reply, vote and report the others.
    if visitor is not None and first_comment is not None and first_comment.author_id != visitor.pk:
        CommentVote.objects.get_or_create(comment=first_comment, user=visitor, defaults={"value": 1})
        Comment.objects.filter(pk=first_comment.pk).update(upvotes=F("upvotes") + 1)
    return writer.created, reports


def load(stdout=None) -> None:
    """The demo loader (order 270). Idempotent: a process that has this part's demo threads is skipped."""
    people, visitor = _people()
    for slug in THREADS:
        process = Process.objects.filter(slug=slug).first()
        if process is None:
            _write(stdout, f"commentaires : consultation {slug} absente, rien à ajouter")
            continue
        # Other parts' demos comment too (debate arguments, paragraphs): only this part's own threads,
        # on proposals, meetings or the process, mean it already ran.
        if Comment.objects.filter(process=process, is_demo=True, target_kind__in=[
                TargetKind.PROPOSAL, TargetKind.MEETING, TargetKind.PROCESS]).exists():
            _write(stdout, f"commentaires : {slug} déjà rempli")
            continue
        with transaction.atomic():
            created, reports = _fill(process, people, visitor)
        _write(stdout, f"commentaires : {slug} — {created} commentaires, {reports} signalements")
