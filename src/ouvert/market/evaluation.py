"""The evaluation part of the market module (see ``services``): the panel and its conflict-of-interest
declarations, the evaluators' scores, the consensus, disqualification, ranking, award and debrief.

Nothing here happens before the opportunity's deadline: proposals are read only through the proposals
part (``proposals_opened`` / ``proposal_open``), which decides who may open what and when. Every change
is checked (``access``), validated with French messages, written in one transaction and audited — never
with a proposal's content in the audit data.

The tie rule (stated on the award page and in the award note): equal totals are decided by the score on
the most heavily weighted criterion, then the next one; a perfect tie goes to the proposal submitted
first (the time of the retained submission).
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ouvert.core import services as core_services

from . import access
from .formats import montreal_text
from .models import Contract, Criterion, Evaluator, Opportunity, Proposal, Score, Submission

__all__ = [
    "TIE_RULE", "PanelState", "award", "coi_bidders", "coi_declare", "consensus_get", "consensus_record",
    "debrief", "evaluation_opportunity", "evaluation_proposal", "evaluation_proposals", "evaluator_name",
    "evaluator_remove", "evaluator_set_chair", "opportunity_for_bidder", "panel_get", "panel_state",
    "proposal_attachment", "proposal_disqualify", "ranking",
    "score_sheet", "scores_save", "scores_submit", "workspace",
]

#: The tie rule, as stated to everyone (award page, award note, debrief).
TIE_RULE = gettext_lazy("À égalité, l'emporte la proposition la mieux notée au critère le plus pondéré, puis au "
                        "suivant ; à égalité parfaite, la première soumise (heure de la soumission retenue).")

#: Statuses in which the panel may be named or changed.
PANEL_STATUSES = (Opportunity.Status.PUBLISHED, Opportunity.Status.EVALUATION)
MIN_PANEL = 2
TWO_PLACES = Decimal("0.01")


def register() -> None:
    """The periodic job of this part: telling each panel that its opportunity's proposals are open."""
    from ouvert.core import registry

    registry.register_periodic("market.evaluation_panels_open", panels_open_notify, every_seconds=60)


#: How long after closing a panel is still told (older closings were told already, or the job was off).
OPEN_NOTICE_WINDOW = datetime.timedelta(days=7)


def panels_open_notify(now=None) -> int:
    """Tell the members of each panel whose opportunity has closed (in the last week) that they may now sign their
    declaration and evaluate — once per opportunity (an audit entry records it). Returns how many were told."""
    now = now or timezone.now()
    told = 0
    candidates = (Opportunity.objects.filter(status=Opportunity.Status.EVALUATION, closed_at__isnull=False,
                                             closed_at__gte=now - OPEN_NOTICE_WINDOW)
                  .filter(Exists(Evaluator.objects.filter(opportunity=OuterRef("pk")))).values_list("pk", flat=True))
    for pk in list(candidates):
        with transaction.atomic():
            opportunity = Opportunity.objects.select_for_update().get(pk=pk)
            if any(e.action == "market.evaluation.panel.open" for e in core_services.audit_list(target=opportunity)):
                continue
            members = [e.user for e in Evaluator.objects.filter(opportunity=opportunity).select_related("user")]
            core_services.notify(
                recipients=members,
                subject=_("Les propositions de « %(title)s » sont ouvertes") % {"title": opportunity.title_fr},
                body=_("Signez d'abord votre déclaration de conflit d'intérêts ; vous verrez ensuite les propositions "
                       "à évaluer."),
                url=reverse("market:evaluation_panel", kwargs={"reference": opportunity.reference}))
            _audit(None, "panel.open", opportunity, {"opportunity": opportunity.reference, "members": len(members)})
            told += len(members)
    return told


# --- What the other parts provide ---------------------------------------------------------------------

def _close_if_due(opportunity: Opportunity) -> Opportunity:
    """The opportunity, moved to ``evaluation`` if its deadline has come (the opportunities part's rule)."""
    from .opportunities import opportunity_close_if_due

    return opportunity_close_if_due(opportunity)


def _proposals_opened(opportunity: Opportunity, user) -> list[Proposal]:
    """The proposals part's ``proposals_opened``: the current submitted proposals after the deadline, for those who
    may open them."""
    from .proposals import proposals_opened

    return list(proposals_opened(opportunity, user))


def _proposal_open(proposal: Proposal, user) -> dict:
    """The proposals part's ``proposal_open``: the opened sealed document (deadline and reader checked there)."""
    from .proposals import proposal_open

    return proposal_open(proposal, user)


# --- Helpers ---------------------------------------------------------------------------------------

def _audit(actor, verb: str, target, data: dict | None = None) -> None:
    core_services.audit_append(actor=actor, action=f"market.evaluation.{verb}", target=target, data=data or {})


def _require_signed_in(user) -> None:
    if not access.is_signed_in(user):
        raise PermissionDenied(_("Connectez-vous pour accéder à l'évaluation."))


def _require_past_deadline(opportunity: Opportunity) -> None:
    """Clear refusal before the deadline: nothing of the evaluation is possible, nothing is told."""
    if not opportunity.is_past_deadline():
        deadline = montreal_text(opportunity.deadline) or "—"
        raise PermissionDenied(_("Les propositions restent scellées jusqu'à la date limite (%(deadline)s, heure de "
                                 "Montréal) : l'évaluation ne commence qu'après.") % {"deadline": deadline})


def _require_evaluating(opportunity: Opportunity) -> None:
    """Past the deadline and still being evaluated (not awarded, cancelled or suspended)."""
    _require_past_deadline(opportunity)
    if opportunity.status == Opportunity.Status.AWARDED:
        raise ValidationError(_("L'opportunité est adjugée : l'évaluation est close."))
    if opportunity.status not in (Opportunity.Status.EVALUATION, Opportunity.Status.PUBLISHED):
        raise ValidationError(_("L'opportunité est « %(status)s » : l'évaluation est interrompue.")
                              % {"status": opportunity.get_status_display()})


def _lock(opportunity: Opportunity) -> Opportunity:
    """The opportunity's row, locked for the rest of the transaction (one panel change at a time)."""
    return Opportunity.objects.select_for_update().get(pk=opportunity.pk)


def evaluator_get_display(evaluator: Evaluator) -> str:
    return evaluator.user.full_name or evaluator.user.email


def _quantize(value: Decimal) -> Decimal:
    return value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def _parse_score(raw, field_name: str, errors: dict) -> Decimal | None:
    """A score from 0 to 10 with two decimals at most (``,`` accepted as the decimal mark)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        value = Decimal(str(raw).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        errors.setdefault(field_name, []).append(_("Entrez une note de 0 à 10 (ex. 7,5)."))
        return None
    if not value.is_finite() or value < 0 or value > 10:
        errors.setdefault(field_name, []).append(_("La note va de 0 à 10."))
        return None
    if value != value.quantize(TWO_PLACES):
        errors.setdefault(field_name, []).append(_("La note a deux décimales au plus."))
        return None
    return value.quantize(TWO_PLACES)


def _bidder_supplier_ids(proposals: list[Proposal]) -> set[int]:
    return {p.supplier_id for p in proposals}


def _member_of_bidder(user, proposals: list[Proposal]):
    """The bidding supplier ``user`` belongs to, if any."""
    for proposal in proposals:
        if access.is_supplier_member(user, proposal.supplier):
            return proposal.supplier
    return None


def _users_of_organisations(org_ids, roles=None):
    User = get_user_model()
    qs = User.objects.filter(memberships__organisation_id__in=list(org_ids), is_active=True)
    if roles is not None:
        qs = qs.filter(memberships__role__in=list(roles))
    return list(qs.distinct().order_by("pk"))


# --- Finding an opportunity ----------------------------------------------------------------------

def evaluation_opportunity(*, reference: str, user) -> Opportunity:
    """The opportunity ``reference`` for the evaluation pages: its panel, the buyer's editors and admins.
    ``NotFound`` for drafts and unknown references, ``PermissionDenied`` for anyone else."""
    _require_signed_in(user)
    opportunity = (Opportunity.objects.select_related("buyer").filter(reference=reference)
                   .exclude(status__in=[Opportunity.Status.DRAFT, Opportunity.Status.REVIEW]).first())
    if opportunity is None:
        raise core_services.NotFound(_("Aucune opportunité publiée sous le numéro « %(ref)s ».") % {"ref": reference})
    if not (access.is_buyer(user, opportunity) or access.evaluator_get(user, opportunity) is not None):
        raise PermissionDenied(_("Seuls le comité d'évaluation et l'organisme acheteur accèdent à l'évaluation de "
                                 "cette opportunité."))
    return _close_if_due(opportunity)


# --- Panel -----------------------------------------------------------------------------------------

@dataclass
class PanelState:
    members: list[Evaluator]
    readers: list[Evaluator] = field(default_factory=list)  # declared no conflict
    conflicted: list[Evaluator] = field(default_factory=list)
    pending: list[Evaluator] = field(default_factory=list)  # not declared yet
    chair: Evaluator | None = None

    @property
    def can_start(self) -> bool:
        """At least two evaluators named: scoring may begin (each after their declaration)."""
        return len(self.members) >= MIN_PANEL

    @property
    def scores_count(self) -> bool:
        """At least two evaluators without a conflict, and no declaration outstanding."""
        return len(self.readers) >= MIN_PANEL and not self.pending

    def messages(self) -> list[str]:
        notes = []
        if len(self.members) < MIN_PANEL:
            notes.append(_("Le comité compte moins de deux membres : nommez-en au moins deux."))
        elif len(self.readers) + len(self.pending) < MIN_PANEL:
            notes.append(_("Moins de deux membres sans conflit d'intérêts : nommez une autre personne avant que les "
                           "notes comptent."))
        if self.chair is None:
            notes.append(_("Aucune présidence : désignez un membre pour présider le comité."))
        return notes


def panel_state(opportunity: Opportunity) -> PanelState:
    members = list(Evaluator.objects.filter(opportunity=opportunity).select_related("user").order_by("named_at", "pk"))
    state = PanelState(members=members)
    for member in members:
        if member.coi_declared_at is None:
            state.pending.append(member)
        elif member.has_conflict:
            state.conflicted.append(member)
        else:
            state.readers.append(member)
        if member.is_chair:
            state.chair = member
    return state


def _require_buyer(actor, opportunity: Opportunity, message=None) -> None:
    if not access.is_buyer(actor, opportunity):
        raise PermissionDenied(message or _("Seuls les éditeurs et administrateurs de l'organisme acheteur gèrent le "
                                            "comité d'évaluation."))


def panel_get(*, opportunity: Opportunity, user) -> PanelState:
    """The panel as the buyer or a panel member sees it."""
    _require_signed_in(user)
    if not (access.is_buyer(user, opportunity) or access.evaluator_get(user, opportunity) is not None):
        raise PermissionDenied(_("Seuls le comité d'évaluation et l'organisme acheteur voient le comité."))
    return panel_state(opportunity)


def evaluator_name(*, actor, opportunity: Opportunity, email: str, is_chair: bool = False) -> Evaluator:
    """Name the registered person ``email`` on the panel (the chair when ``is_chair``)."""
    _require_signed_in(actor)
    _require_buyer(actor, opportunity)
    opportunity = _close_if_due(opportunity)
    if opportunity.status not in PANEL_STATUSES:
        raise ValidationError(_("Le comité se forme pendant que l'opportunité est publiée ou en évaluation (elle est "
                                "« %(status)s »).") % {"status": opportunity.get_status_display()})
    email = (email or "").strip()
    if not email:
        raise ValidationError({"email": [_("Entrez l'adresse courriel de la personne à nommer.")]})
    try:
        user = core_services.user_get_by_email(email=email)
    except core_services.NotFound:
        raise ValidationError({"email": [_("Aucun compte avec l'adresse « %(email)s » : la personne doit d'abord "
                                           "s'inscrire.") % {"email": email}]}) from None
    if not user.is_active:
        raise ValidationError({"email": [_("Ce compte est désactivé.")]})
    if opportunity.is_past_deadline():
        bidder = _member_of_bidder(user, _proposals_opened(opportunity, actor))
        if bidder is not None:
            raise ValidationError({"email": [_("Cette personne est membre de « %(supplier)s », qui a soumis une "
                                               "proposition : elle ne peut pas évaluer.") % {"supplier": bidder}]})
    with transaction.atomic():
        _lock(opportunity)
        if Evaluator.objects.filter(opportunity=opportunity, user=user).exists():
            raise ValidationError({"email": [_("Cette personne fait déjà partie du comité.")]})
        if is_chair:
            Evaluator.objects.filter(opportunity=opportunity, is_chair=True).update(is_chair=False)
        evaluator = Evaluator.objects.create(opportunity=opportunity, user=user, is_chair=bool(is_chair),
                                             named_by=actor, named_at=timezone.now())
        _audit(actor, "panel.name", evaluator, {"opportunity": opportunity.reference, "evaluator": user.email,
                                                "chair": bool(is_chair)})
        url = reverse("market:evaluation_panel", kwargs={"reference": opportunity.reference})
        core_services.notify(
            recipients=[user],
            subject=_("Vous êtes nommé·e au comité d'évaluation de « %(title)s »") % {"title": opportunity.title_fr},
            body=_("Après la date limite, déclarez d'abord tout conflit d'intérêts, puis évaluez les propositions."),
            url=url)
    return evaluator


def _require_panel_change(actor, opportunity: Opportunity) -> None:
    """The buyer changes the panel while the opportunity is published or in evaluation."""
    _require_signed_in(actor)
    _require_buyer(actor, opportunity)
    if opportunity.status not in PANEL_STATUSES:
        raise ValidationError(_("Le comité ne change plus : l'opportunité est « %(status)s ».")
                              % {"status": opportunity.get_status_display()})


def _evaluator_of(opportunity: Opportunity, evaluator_id) -> Evaluator:
    try:
        return Evaluator.objects.select_related("user").get(pk=int(evaluator_id), opportunity=opportunity)
    except (Evaluator.DoesNotExist, TypeError, ValueError):
        raise core_services.NotFound(_("Ce membre ne fait pas partie du comité.")) from None


def evaluator_remove(*, actor, opportunity: Opportunity, evaluator_id) -> None:
    """Remove a member who has not scored anything yet."""
    _require_panel_change(actor, opportunity)
    with transaction.atomic():
        _lock(opportunity)
        evaluator = _evaluator_of(opportunity, evaluator_id)
        if Score.objects.filter(evaluator=evaluator).exists():
            raise ValidationError(_("%(name)s a déjà noté des propositions : un membre qui a noté reste au comité.")
                                  % {"name": evaluator_get_display(evaluator)})
        _audit(actor, "panel.remove", evaluator, {"opportunity": opportunity.reference,
                                                   "evaluator": evaluator.user.email, "chair": evaluator.is_chair})
        evaluator.delete()


def evaluator_set_chair(*, actor, opportunity: Opportunity, evaluator_id) -> Evaluator:
    """Make a member the chair (one chair: the previous one steps down)."""
    _require_panel_change(actor, opportunity)
    with transaction.atomic():
        _lock(opportunity)
        evaluator = _evaluator_of(opportunity, evaluator_id)
        if evaluator.has_conflict:
            raise ValidationError(_("Un membre en conflit d'intérêts ne peut pas présider le comité."))
        Evaluator.objects.filter(opportunity=opportunity, is_chair=True).exclude(pk=evaluator.pk).update(is_chair=False)
        evaluator.is_chair = True
        evaluator.save(update_fields=["is_chair"])
        _audit(actor, "panel.chair", evaluator, {"opportunity": opportunity.reference,
                                                  "evaluator": evaluator.user.email})
    return evaluator


# --- Conflict of interest ----------------------------------------------------------------------

def _seat(user, opportunity: Opportunity) -> Evaluator:
    seat = access.evaluator_get(user, opportunity)
    if seat is None:
        raise PermissionDenied(_("Vous ne faites pas partie du comité d'évaluation de cette opportunité."))
    return seat


def coi_bidders(*, opportunity: Opportunity, user) -> list[str]:
    """The bidders' names, for a panel member to declare against (after the deadline only)."""
    _require_signed_in(user)
    _seat(user, opportunity)
    _require_past_deadline(opportunity)
    return sorted({p.supplier.legal_name for p in _proposals_opened_system(opportunity)})


def _proposals_opened_system(opportunity: Opportunity) -> list[Proposal]:
    """The current submitted proposals after the deadline (who bid: no content), the way the proposals part counts
    them (a current submission, neither superseded nor withdrawn), for what no reader asks: the panel's
    declarations (its members cannot open proposals yet), the ranking's upkeep, the debrief. Never before the
    deadline."""
    if not opportunity.is_past_deadline():
        return []
    current = Submission.objects.filter(proposal=OuterRef("pk"), superseded_at__isnull=True,
                                        withdrawn_at__isnull=True)
    return list(Proposal.objects.filter(opportunity=opportunity).filter(Exists(current))
                .select_related("supplier").order_by("pk"))


def _statement(user, opportunity: Opportunity, bidders: list[str], has_conflict: bool, details: str) -> str:
    name = getattr(user, "full_name", "") or user.email
    if has_conflict:
        verdict = _("déclare être en conflit d'intérêts à l'égard d'au moins un des fournisseurs suivants")
    else:
        verdict = _("déclare n'avoir aucun conflit d'intérêts, réel, potentiel ou apparent, à l'égard des "
                    "fournisseurs suivants")
    text = _("Je, %(name)s (%(email)s), membre du comité d'évaluation de l'opportunité %(ref)s « %(title)s », "
             "%(verdict)s : %(bidders)s. Je m'engage à garder confidentiel le contenu des propositions.") % {
        "name": name, "email": user.email, "ref": opportunity.reference, "title": opportunity.title_fr,
        "verdict": verdict, "bidders": ", ".join(bidders) or _("aucun")}
    if details:
        text += "\n\n" + _("Précisions : %(details)s") % {"details": details}
    return text


def coi_declare(*, user, opportunity: Opportunity, has_conflict: bool, confirm: bool, details: str = "") -> Evaluator:
    """A panel member's signed declaration (once, after the deadline, before seeing any proposal).

    The statement names the bidders; its SHA-256 goes into the audit chain (the signature). A conflict recuses
    the member for good. A member of a bidding supplier cannot declare no conflict.
    """
    _require_signed_in(user)
    seat = _seat(user, opportunity)
    opportunity = _close_if_due(opportunity)
    _require_evaluating(opportunity)
    if not confirm:
        raise ValidationError({"confirm": [_("Cochez la case pour signer votre déclaration.")]})
    details = (details or "").strip()
    if has_conflict and not details:
        raise ValidationError({"details": [_("Précisez la nature du conflit d'intérêts (le fournisseur et le lien).")]})
    if len(details) > 4000:
        raise ValidationError({"details": [_("4 000 caractères au plus.")]})
    opened = _proposals_opened_system(opportunity)
    if not has_conflict:
        bidder = _member_of_bidder(user, opened)
        if bidder is not None:
            raise ValidationError({"has_conflict": [
                _("Vous êtes membre de « %(supplier)s », qui a soumis une proposition : vous êtes en conflit "
                  "d'intérêts.") % {"supplier": bidder}]})
    bidders = sorted({p.supplier.legal_name for p in opened})
    with transaction.atomic():
        seat = Evaluator.objects.select_for_update().get(pk=seat.pk)
        if seat.coi_declared_at is not None:
            raise ValidationError(_("Votre déclaration est déjà signée (le %(date)s) ; elle ne change plus.")
                                  % {"date": montreal_text(seat.coi_declared_at)})
        statement = _statement(user, opportunity, bidders, bool(has_conflict), details)
        seat.coi_statement = statement
        seat.has_conflict = bool(has_conflict)
        seat.coi_declared_at = timezone.now()
        if seat.has_conflict and seat.is_chair:
            seat.is_chair = False
        seat.save(update_fields=["coi_statement", "has_conflict", "coi_declared_at", "is_chair"])
        _audit(user, "coi.declare", seat, {
            "opportunity": opportunity.reference, "has_conflict": seat.has_conflict,
            "statement_sha256": hashlib.sha256(statement.encode()).hexdigest(), "statement": statement})
        if seat.has_conflict:
            buyers = _users_of_organisations([opportunity.buyer_id], access.MANAGE_ROLES)
            core_services.notify(
                recipients=buyers,
                subject=_("Conflit d'intérêts déclaré au comité de « %(title)s »") % {"title": opportunity.title_fr},
                body=_("%(name)s s'est récusé·e. Nommez une autre personne si le comité compte moins de deux membres "
                       "sans conflit.") % {"name": evaluator_get_display(seat)},
                url=reverse("market:evaluation_panel", kwargs={"reference": opportunity.reference}))
    return seat


# --- Reading and scoring -------------------------------------------------------------------------

def _reader_seat(user, opportunity: Opportunity) -> Evaluator:
    """The seat of a member allowed to read (declared, no conflict)."""
    seat = _seat(user, opportunity)
    _require_past_deadline(opportunity)
    if seat.coi_declared_at is None:
        raise PermissionDenied(_("Déclarez d'abord vos conflits d'intérêts : vous verrez ensuite les propositions."))
    if seat.has_conflict:
        raise PermissionDenied(_("Vous avez déclaré un conflit d'intérêts : vous ne voyez pas les propositions."))
    return seat


def _may_manage_scores(user, opportunity: Opportunity) -> tuple[bool, Evaluator | None]:
    """(may, seat): whether ``user`` may record consensus and disqualify — an editor or admin of the buyer, or
    the chair, having declared no conflict when on the panel (a recused member never sees content, whatever
    their role in the body)."""
    seat = access.evaluator_get(user, opportunity)
    if seat is not None and not seat.may_read:
        return False, seat
    chair_ok = seat is not None and seat.is_chair
    return access.is_buyer(user, opportunity) or chair_ok, seat


def _require_reader(user, opportunity: Opportunity) -> tuple[Evaluator | None, bool]:
    """(seat, is_buyer) of someone who may read the opened proposals: a panel member who declared no conflict,
    or an editor or admin of the buyer who is not on the panel (a member's seat rules, whatever their role)."""
    seat = access.evaluator_get(user, opportunity)
    if seat is not None:
        return _reader_seat(user, opportunity), access.is_buyer(user, opportunity)
    if not access.is_buyer(user, opportunity):
        raise PermissionDenied(_("Vous ne faites pas partie du comité d'évaluation de cette opportunité."))
    _require_past_deadline(opportunity)
    return None, True


def evaluation_proposals(*, opportunity: Opportunity, user) -> list[dict]:
    """The proposals to evaluate, with where the person and the panel stand on each (no content).

    For a panel member who may read, and for the buyer's editors and admins (who follow the evaluation)."""
    _require_signed_in(user)
    opportunity = _close_if_due(opportunity)
    seat, _is_buyer = _require_reader(user, opportunity)
    proposals = _proposals_opened(opportunity, user)
    state = panel_state(opportunity)
    criteria = list(opportunity.criteria.all())
    scores = list(Score.objects.filter(proposal__in=proposals).only(
        "proposal_id", "criterion_id", "evaluator_id", "submitted_at"))
    rows = []
    for proposal in proposals:
        mine = [s for s in scores if s.proposal_id == proposal.pk and seat is not None and s.evaluator_id == seat.pk]
        submitted_by = {s.evaluator_id for s in scores if s.proposal_id == proposal.pk and s.evaluator_id
                        and s.submitted_at}
        consensus = [s for s in scores if s.proposal_id == proposal.pk and s.evaluator_id is None]
        rows.append({
            "proposal": proposal,
            "disqualified": proposal.disqualified_at is not None,
            "mine_count": len(mine), "mine_submitted": any(s.submitted_at for s in mine),
            "submitted_count": len([r for r in state.readers if r.pk in submitted_by]),
            "readers_count": len(state.readers),
            "consensus": len(consensus) == len(criteria) and bool(criteria),
            "total_score": proposal.total_score, "rank": proposal.rank,
        })
    return rows


def evaluation_proposal(*, opportunity: Opportunity, proposal_id, user) -> Proposal:
    """One opened proposal of the opportunity, for a member who may read or the buyer (404 otherwise)."""
    _require_signed_in(user)
    opportunity = _close_if_due(opportunity)
    _require_reader(user, opportunity)
    try:
        pk = int(proposal_id)
    except (TypeError, ValueError):
        pk = None
    proposal = next((p for p in _proposals_opened(opportunity, user) if p.pk == pk), None)
    if proposal is None:
        raise core_services.NotFound(_("Aucune proposition de ce numéro dans cette opportunité."))
    return proposal


def score_sheet(*, proposal: Proposal, user) -> dict:
    """What a person sees of a proposal's scores: the opened document, their own scores, and — once they have
    submitted theirs (or for the buyer and the chair, whose own are submitted) — the others' submitted scores and
    the consensus."""
    opportunity = proposal.opportunity
    seat, is_buyer = _require_reader(user, opportunity)
    from .seal import SealBroken

    try:
        document = _proposal_open(proposal, user)
    except SealBroken:
        document = {"broken": True}  # tampered with: shown as such, never as content
    criteria = list(opportunity.criteria.all())
    scores = list(Score.objects.filter(proposal=proposal).select_related("evaluator__user"))
    mine = {s.criterion_id: s for s in scores if seat is not None and s.evaluator_id == seat.pk}
    mine_submitted = bool(mine) and all(s.submitted_at for s in mine.values())
    may_see_others = mine_submitted or seat is None
    others = []
    if may_see_others:
        by_evaluator: dict[int, dict] = {}
        for s in scores:
            if s.evaluator_id and s.submitted_at and (seat is None or s.evaluator_id != seat.pk):
                by_evaluator.setdefault(s.evaluator_id, {"evaluator": s.evaluator, "scores": {}})["scores"][
                    s.criterion_id] = s
        others = list(by_evaluator.values())
    consensus = {s.criterion_id: s for s in scores if s.evaluator_id is None} if may_see_others else {}
    return {"document": document, "criteria": criteria, "seat": seat, "mine": mine, "mine_submitted": mine_submitted,
            "others": others, "may_see_others": may_see_others, "consensus": consensus, "is_buyer": is_buyer}


def _clean_scores(criteria: list[Criterion], entries, *, complete: bool, require_comment: bool) -> dict:
    """``entries``: ``{criterion id: {"score", "comment"}}`` or a list of ``{"criterion", "score", "comment"}``.
    Returns ``{criterion id: (score, comment)}``; ``ValidationError`` per criterion field."""
    if isinstance(entries, list):
        mapping = {}
        for entry in entries:
            if not isinstance(entry, dict) or "criterion" not in entry:
                raise ValidationError({"scores": [_("Chaque note indique son critère (« criterion »).")]})
            mapping[str(entry["criterion"])] = entry
        entries = mapping
    if not isinstance(entries, dict):
        raise ValidationError({"scores": [_("Les notes sont attendues par critère.")]})
    known = {str(c.pk): c for c in criteria}
    unknown = sorted(set(map(str, entries)) - set(known))
    if unknown:
        raise ValidationError({"scores": [_("Critère inconnu : %(ids)s.") % {"ids": ", ".join(unknown)}]})
    errors: dict = {}
    cleaned = {}
    for key, criterion in known.items():
        entry = entries.get(key) or {}
        if not isinstance(entry, dict):
            entry = {"score": entry}
        name = f"score-{criterion.pk}"
        value = _parse_score(entry.get("score"), name, errors)
        comment = str(entry.get("comment") or "").strip()
        if len(comment) > 5000:
            errors.setdefault(f"comment-{criterion.pk}", []).append(_("5 000 caractères au plus."))
        if value is None:
            if complete and name not in errors:
                errors.setdefault(name, []).append(_("Notez le critère « %(name)s ».") % {"name": criterion.name_fr})
            continue
        if require_comment and not comment:
            errors.setdefault(f"comment-{criterion.pk}", []).append(
                _("Commentez la note du critère « %(name)s ».") % {"name": criterion.name_fr})
        cleaned[criterion.pk] = (value, comment)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _require_scorable(proposal: Proposal) -> None:
    if proposal.disqualified_at is not None:
        raise ValidationError(_("Cette proposition est écartée : elle n'est pas évaluée."))


def scores_save(*, user, proposal: Proposal, scores) -> list[Score]:
    """Save the evaluator's draft scores of ``proposal`` (some or all criteria), until submitted."""
    opportunity = _close_if_due(proposal.opportunity)
    seat = _reader_seat(user, opportunity)
    _require_evaluating(opportunity)
    proposal = evaluation_proposal(opportunity=opportunity, proposal_id=proposal.pk, user=user)
    _require_scorable(proposal)
    if not panel_state(opportunity).can_start:
        raise ValidationError(_("Le comité compte moins de deux membres : l'évaluation ne peut pas commencer."))
    criteria = list(opportunity.criteria.all())
    cleaned = _clean_scores(criteria, scores, complete=False, require_comment=False)
    now = timezone.now()
    with transaction.atomic():
        Evaluator.objects.select_for_update().filter(pk=seat.pk).first()  # one save of a member's scores at a time
        existing = {s.criterion_id: s for s in Score.objects.select_for_update().filter(proposal=proposal,
                                                                                       evaluator=seat)}
        if any(s.submitted_at for s in existing.values()):
            raise ValidationError(_("Votre évaluation de cette proposition est soumise : elle ne change plus."))
        saved = []
        for criterion_id, (value, comment) in cleaned.items():
            score = existing.get(criterion_id) or Score(proposal=proposal, criterion_id=criterion_id, evaluator=seat)
            score.score, score.comment, score.updated_at = value, comment, now
            score.save()
            saved.append(score)
        _audit(user, "scores.save", proposal, {"opportunity": opportunity.reference, "evaluator": user.email,
                                               "criteria": sorted(cleaned)})
    return saved


def scores_submit(*, user, proposal: Proposal, scores=None) -> list[Score]:
    """Submit (freeze) the evaluator's scores of ``proposal``: every criterion scored and commented."""
    opportunity = _close_if_due(proposal.opportunity)
    seat = _reader_seat(user, opportunity)
    _require_evaluating(opportunity)
    criteria = list(opportunity.criteria.all())
    now = timezone.now()
    with transaction.atomic():  # saved and submitted together, or neither
        Evaluator.objects.select_for_update().filter(pk=seat.pk).first()  # two tabs submitting: one after the other
        if scores is not None:
            scores_save(user=user, proposal=proposal, scores=scores)
        rows = {s.criterion_id: s for s in Score.objects.select_for_update().filter(proposal=proposal,
                                                                                   evaluator=seat)}
        if any(s.submitted_at for s in rows.values()):
            raise ValidationError(_("Votre évaluation de cette proposition est déjà soumise."))
        _require_scorable(Proposal.objects.get(pk=proposal.pk))
        _clean_scores(criteria, {str(k): {"score": s.score, "comment": s.comment} for k, s in rows.items()},
                      complete=True, require_comment=True)
        Score.objects.filter(pk__in=[s.pk for s in rows.values()]).update(submitted_at=now)
        _audit(user, "scores.submit", proposal, {
            "opportunity": opportunity.reference, "evaluator": user.email,
            "scores": {str(k): str(s.score) for k, s in sorted(rows.items())}})
    return list(Score.objects.filter(proposal=proposal, evaluator=seat))


def proposal_attachment(*, proposal: Proposal, user, index) -> dict:
    """One attachment of the opened document (``name``, ``content_type``, ``data`` as bytes), for whoever may read
    the proposal (``NotFound`` for an unknown index)."""
    import base64
    import binascii

    from .seal import SealBroken

    _require_reader(user, proposal.opportunity)
    try:
        document = _proposal_open(proposal, user)
    except SealBroken:
        raise core_services.NotFound(_("Le scellé de cette proposition ne s'ouvre plus (contenu altéré).")) from None
    attachments = document.get("attachments") or []
    try:
        item = attachments[int(index)]
    except (IndexError, TypeError, ValueError):
        raise core_services.NotFound(_("Aucune pièce jointe de ce numéro.")) from None
    try:
        data = base64.b64decode(item.get("data") or "", validate=True)
    except (binascii.Error, ValueError):
        raise core_services.NotFound(_("Cette pièce jointe est illisible.")) from None
    return {"name": str(item.get("name") or f"piece-{index}"), "content_type": str(item.get("content_type") or ""),
            "data": data}


def opportunity_for_bidder(*, reference: str, user) -> Opportunity:
    """The opportunity ``reference`` as ``user`` may see it (the opportunities part's rule)."""
    from .opportunities import opportunity_get

    return opportunity_get(reference=reference, user=user)


# --- Consensus, disqualification -----------------------------------------------------------------

def consensus_get(*, proposal: Proposal, user) -> dict:
    """The consensus sheet: every member's submitted scores and the consensus so far (chair or buyer)."""
    opportunity = _close_if_due(proposal.opportunity)
    may, seat = _may_manage_scores(user, opportunity)
    if not may:
        raise PermissionDenied(_("Seuls la présidence du comité et l'organisme acheteur consignent le consensus."))
    _require_past_deadline(opportunity)
    state = panel_state(opportunity)
    criteria = list(opportunity.criteria.all())
    scores = list(Score.objects.filter(proposal=proposal).select_related("evaluator__user"))
    submitted = {s.evaluator_id for s in scores if s.evaluator_id and s.submitted_at}
    # A member (the chair, or a buyer who sits on the panel) sees the others' scores only once they have
    # submitted their own for this proposal, as on the proposal's page: no anchoring through this sheet.
    anchored = seat is not None and seat.pk not in submitted
    rows = []
    for reader in state.readers:
        shown = reader.pk in submitted and not (anchored and reader.pk != seat.pk)
        rows.append({"evaluator": reader, "submitted": reader.pk in submitted,
                     "scores": {s.criterion_id: s for s in scores
                                if shown and s.evaluator_id == reader.pk and s.submitted_at}})
    missing = [r for r in state.readers if r.pk not in submitted]
    blockers = []
    if len(state.readers) < MIN_PANEL:
        blockers.append(_("Moins de deux membres sans conflit d'intérêts ont signé leur déclaration."))
    if state.pending:
        blockers.append(_("Déclaration d'intérêts attendue de : %(names)s.")
                        % {"names": ", ".join(evaluator_get_display(e) for e in state.pending)})
    if missing:
        blockers.append(_("Évaluation non soumise par : %(names)s.")
                        % {"names": ", ".join(evaluator_get_display(e) for e in missing)})
    if proposal.disqualified_at is not None:
        blockers.append(_("Proposition écartée."))
    if anchored:
        blockers.append(_("Soumettez d'abord votre propre évaluation de cette proposition : les notes des autres "
                          "membres restent masquées jusque-là."))
    return {"criteria": criteria, "rows": rows, "blockers": blockers, "ready": not blockers,
            "consensus": {s.criterion_id: s for s in scores if s.evaluator_id is None}, "panel": state}


def consensus_record(*, actor, proposal: Proposal, scores) -> Proposal:
    """Record the panel's consensus on every criterion (each commented) once every member without a conflict has
    submitted; sets ``total_score`` (Σ weight × score / 10) and the ranking."""
    _require_signed_in(actor)
    opportunity = _close_if_due(proposal.opportunity)
    may, _seat_ = _may_manage_scores(actor, opportunity)
    if not may:
        raise PermissionDenied(_("Seuls la présidence du comité et l'organisme acheteur consignent le consensus."))
    _require_evaluating(opportunity)
    proposal = evaluation_proposal(opportunity=opportunity, proposal_id=proposal.pk, user=actor)
    _require_scorable(proposal)
    criteria = list(opportunity.criteria.all())
    cleaned = _clean_scores(criteria, scores, complete=True, require_comment=True)
    now = timezone.now()
    with transaction.atomic():
        _lock(opportunity)
        sheet = consensus_get(proposal=proposal, user=actor)
        if not sheet["ready"]:
            raise ValidationError(sheet["blockers"])
        before = {str(s.criterion_id): str(s.score) for s in sheet["consensus"].values()}
        for criterion in criteria:
            value, comment = cleaned[criterion.pk]
            Score.objects.update_or_create(
                proposal=proposal, criterion=criterion, evaluator=None,
                defaults={"score": value, "comment": comment, "updated_at": now, "submitted_at": now})
        total = _quantize(sum((Decimal(c.weight) * cleaned[c.pk][0] for c in criteria), Decimal(0)) / 10)
        Proposal.objects.filter(pk=proposal.pk).update(total_score=total)
        proposal.total_score = total
        _rank_update(opportunity)
        _audit(actor, "consensus.record", proposal, {
            "opportunity": opportunity.reference, "supplier": proposal.supplier.legal_name,
            "scores": {str(c.pk): str(cleaned[c.pk][0]) for c in criteria}, "total": str(total),
            "before": before or None})
    proposal.refresh_from_db()
    return proposal


def proposal_disqualify(*, actor, proposal: Proposal, reason: str) -> Proposal:
    """Set a proposal aside with a reason (buyer or chair): not scored, not ranked; the supplier reads the reason
    in its debrief."""
    _require_signed_in(actor)
    opportunity = _close_if_due(proposal.opportunity)
    may, _seat_ = _may_manage_scores(actor, opportunity)
    if not may:
        raise PermissionDenied(_("Seuls la présidence du comité et l'organisme acheteur écartent une proposition."))
    _require_evaluating(opportunity)
    proposal = evaluation_proposal(opportunity=opportunity, proposal_id=proposal.pk, user=actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Donnez le motif de l'exclusion (le fournisseur le lira).")]})
    if len(reason) > 4000:
        raise ValidationError({"reason": [_("4 000 caractères au plus.")]})
    if proposal.disqualified_at is not None:
        raise ValidationError(_("Cette proposition est déjà écartée."))
    with transaction.atomic():
        _lock(opportunity)
        Proposal.objects.filter(pk=proposal.pk).update(disqualified_at=timezone.now(), disqualification_reason=reason,
                                                       rank=None)
        _rank_update(opportunity)
        _audit(actor, "disqualify", proposal, {"opportunity": opportunity.reference,
                                                "supplier": proposal.supplier.legal_name, "reason": reason})
    proposal.refresh_from_db()
    return proposal


# --- Ranking ----------------------------------------------------------------------------------------

def _retained_submitted_at(proposals: list[Proposal]) -> dict[int, object]:
    """Each proposal's retained (current) submission time."""
    rows = (Submission.objects.filter(proposal__in=proposals, superseded_at__isnull=True, withdrawn_at__isnull=True)
            .values_list("proposal_id", "submitted_at"))
    return dict(rows)


def _ranked(opportunity: Opportunity, proposals: list[Proposal]) -> tuple[list[dict], list[Criterion]]:
    """The non-disqualified proposals with a consensus total, best first by the tie rule, and why each one is
    ahead of the next when their totals are equal."""
    criteria = sorted(opportunity.criteria.all(), key=lambda c: (-c.weight, c.position, c.pk))
    candidates = [p for p in proposals if p.disqualified_at is None and p.total_score is not None]
    consensus: dict[int, dict[int, Decimal]] = {}
    for s in Score.objects.filter(proposal__in=candidates, evaluator__isnull=True):
        consensus.setdefault(s.proposal_id, {})[s.criterion_id] = s.score
    submitted_at = _retained_submitted_at(candidates)
    far = datetime.datetime.max.replace(tzinfo=datetime.UTC)

    def key(p):
        by_criterion = tuple(-consensus.get(p.pk, {}).get(c.pk, Decimal(0)) for c in criteria)
        return (-p.total_score, *by_criterion, submitted_at.get(p.pk) or far, p.pk)

    ordered = sorted(candidates, key=key)
    rows = []
    for index, proposal in enumerate(ordered):
        row = {"proposal": proposal, "rank": index + 1, "total": proposal.total_score,
               "scores": consensus.get(proposal.pk, {}), "submitted_at": submitted_at.get(proposal.pk), "tie": "",
               "columns": [consensus.get(proposal.pk, {}).get(c.pk) for c in criteria]}
        if index > 0 and ordered[index - 1].total_score == proposal.total_score:
            previous = ordered[index - 1]
            reason = _("première soumise")
            for c in criteria:
                a, b = consensus.get(previous.pk, {}).get(c.pk), consensus.get(proposal.pk, {}).get(c.pk)
                if a != b:
                    reason = _("critère « %(name)s » (%(weight)s %%)") % {"name": c.name_fr, "weight": c.weight}
                    break
            rows[-1]["tie"] = rows[-1]["tie"] or _("égalité départagée : %(reason)s") % {"reason": reason}
            row["tie"] = _("égalité départagée : %(reason)s") % {"reason": reason}
        rows.append(row)
    return rows, criteria


def _rank_update(opportunity: Opportunity) -> None:
    proposals = _proposals_opened_system(opportunity)
    rows, _criteria = _ranked(opportunity, proposals)
    ranks = {row["proposal"].pk: row["rank"] for row in rows}
    for proposal in proposals:
        rank = ranks.get(proposal.pk)
        if proposal.rank != rank:
            Proposal.objects.filter(pk=proposal.pk).update(rank=rank)


def ranking(*, opportunity: Opportunity, user) -> dict:
    """The ranking for the buyer's editors and admins and the chair: ranked proposals, the ones without consensus,
    the disqualified ones, whether the award is possible and why not."""
    _require_signed_in(user)
    opportunity = _close_if_due(opportunity)
    may, _seat_ = _may_manage_scores(user, opportunity)
    if not may:
        raise PermissionDenied(_("Seuls la présidence du comité et l'organisme acheteur voient le classement."))
    _require_past_deadline(opportunity)
    proposals = _proposals_opened(opportunity, user)
    rows, criteria = _ranked(opportunity, proposals)
    disqualified = [p for p in proposals if p.disqualified_at is not None]
    missing = [p for p in proposals if p.disqualified_at is None and p.total_score is None]
    blockers = []
    if missing:
        blockers.append(_("Consensus à consigner pour : %(names)s.")
                        % {"names": ", ".join(p.supplier.legal_name for p in missing)})
    if not rows and not missing:
        blockers.append(_("Aucune proposition valide : l'opportunité ne peut pas être adjugée ; l'organisme acheteur "
                          "peut l'annuler."))
    if opportunity.status == Opportunity.Status.AWARDED:
        blockers.append(_("L'opportunité est déjà adjugée."))
    elif opportunity.status != Opportunity.Status.EVALUATION:
        blockers.append(_("L'opportunité n'est pas en évaluation (« %(status)s »).")
                        % {"status": opportunity.get_status_display()})
    return {"opportunity": opportunity, "rows": rows, "criteria": criteria, "disqualified": disqualified,
            "missing": missing, "blockers": blockers, "can_award": not blockers and access.is_buyer_admin(user, opportunity),
            "no_valid": not rows and not missing, "tie_rule": str(TIE_RULE),
            "contract": Contract.objects.filter(opportunity=opportunity).select_related("proposal__supplier").first()}


# --- Award -----------------------------------------------------------------------------------------

def _award_note(rows: list[dict], disqualified: list[Proposal]) -> str:
    """The public note of the award (OCDS ``awards.description`` too): the winner, its total, how many proposals
    were ranked or set aside, whether the tie rule decided, and the rule — never another bidder's name or score."""
    winner = rows[0]
    lines = [_("Adjugée à %(name)s, classée première des propositions évaluées (%(count)s en tout), note "
               "consensuelle %(total)s sur 100.") % {"name": winner["proposal"].supplier.legal_name,
                                                     "count": len(rows), "total": winner["total"]}]
    if disqualified:
        lines.append(_("Nombre de propositions écartées : %(count)s.") % {"count": len(disqualified)})
    if len(rows) > 1 and rows[1]["total"] == winner["total"]:
        lines.append(_("Égalité de note au premier rang, %(how)s.") % {"how": winner["tie"]})
    lines.append(_("Règle d'égalité : %(rule)s") % {"rule": TIE_RULE})
    return "\n".join(lines)


def award(*, actor, opportunity: Opportunity, proposal_id) -> Contract:
    """Award the opportunity to the proposal ranked first (an admin of the buying body): every valid proposal must
    have its consensus. Creates the contract at the opportunity's fixed price, tells every bidder, publishes the
    OCDS award and contract."""
    _require_signed_in(actor)
    if not access.is_buyer_admin(actor, opportunity):
        raise PermissionDenied(_("Seuls les administrateurs de l'organisme acheteur adjugent une opportunité."))
    opportunity = _close_if_due(opportunity)
    _require_past_deadline(opportunity)
    with transaction.atomic():
        opportunity = _lock(opportunity)
        if opportunity.status == Opportunity.Status.AWARDED:
            raise ValidationError(_("L'opportunité est déjà adjugée."))
        if opportunity.status != Opportunity.Status.EVALUATION:
            raise ValidationError(_("Seule une opportunité en évaluation s'adjuge (elle est « %(status)s »).")
                                  % {"status": opportunity.get_status_display()})
        proposals = _proposals_opened(opportunity, actor)
        missing = [p for p in proposals if p.disqualified_at is None and p.total_score is None]
        if missing:
            raise ValidationError(_("Le consensus manque pour : %(names)s. Chaque proposition valide doit avoir sa "
                                    "note consensuelle avant l'adjudication.")
                                  % {"names": ", ".join(p.supplier.legal_name for p in missing)})
        rows, _criteria = _ranked(opportunity, proposals)
        if not rows:
            raise ValidationError(_("Aucune proposition valide : l'opportunité ne peut pas être adjugée ; annulez-la."))
        try:
            chosen = int(proposal_id)
        except (TypeError, ValueError):
            chosen = None
        winner = rows[0]["proposal"]
        if chosen != winner.pk:
            raise ValidationError({"proposal": [_("L'adjudication va à la proposition classée première (%(name)s), "
                                                  "et à nulle autre.") % {"name": winner.supplier.legal_name}]})
        now = timezone.now()
        for row in rows:
            Proposal.objects.filter(pk=row["proposal"].pk).update(rank=row["rank"])
        disqualified = [p for p in proposals if p.disqualified_at is not None]
        contract = Contract.objects.create(opportunity=opportunity, proposal=winner, value=opportunity.price,
                                           awarded_at=now, awarded_by=actor,
                                           award_note=_award_note(rows, disqualified))
        opportunity.status = Opportunity.Status.AWARDED
        opportunity.awarded_at = now
        opportunity.updated_at = now
        opportunity.save(update_fields=["status", "awarded_at", "updated_at"])
        _audit(actor, "award", contract, {
            "opportunity": opportunity.reference, "supplier": winner.supplier.legal_name, "value": str(contract.value),
            "ranking": [{"rank": r["rank"], "supplier": r["proposal"].supplier.legal_name, "total": str(r["total"]),
                         "tie": r["tie"]} for r in rows],
            "disqualified": [p.supplier.legal_name for p in disqualified]})
        _notify_bidders(opportunity, winner, proposals)
        from . import ocds

        ocds.release_add(opportunity, ["award", "contract"])
        core_services.open_data_changed("market")
    return contract


def _notify_bidders(opportunity: Opportunity, winner: Proposal, proposals: list[Proposal]) -> None:
    url = reverse("market:debrief", kwargs={"reference": opportunity.reference})
    winners = _users_of_organisations([winner.supplier.organisation_id])
    core_services.notify(
        recipients=winners,
        subject=_("Votre proposition est retenue : « %(title)s »") % {"title": opportunity.title_fr},
        body=_("L'opportunité %(ref)s vous est adjugée. Le contrat et la livraison se suivent dans votre espace.")
        % {"ref": opportunity.reference}, url=url)
    others = [p.supplier.organisation_id for p in proposals if p.pk != winner.pk]
    winner_ids = {u.pk for u in winners}
    core_services.notify(
        recipients=[u for u in _users_of_organisations(others) if u.pk not in winner_ids],
        subject=_("Résultat de l'opportunité « %(title)s »") % {"title": opportunity.title_fr},
        body=_("L'opportunité %(ref)s est adjugée à une autre proposition. Votre bilan (notes consensuelles, rang) "
               "est disponible.") % {"ref": opportunity.reference}, url=url)


# --- Debrief ----------------------------------------------------------------------------------------

def debrief(*, opportunity: Opportunity, user) -> list[dict]:
    """The bidder's own results (one per supplier of ``user`` that bid), after the award: its consensus scores per
    criterion with comments, its rank out of N, the winning total, the reason if set aside. Nothing of the
    others but the winning total."""
    _require_signed_in(user)
    if opportunity.status != Opportunity.Status.AWARDED:
        raise PermissionDenied(_("Le bilan est disponible après l'adjudication."))
    bids = [p for p in _proposals_opened_system(opportunity) if access.is_supplier_member(user, p.supplier)]
    if not bids:
        raise PermissionDenied(_("Seuls les fournisseurs qui ont soumis une proposition voient leur bilan."))
    contract = Contract.objects.select_related("proposal__supplier").get(opportunity=opportunity)
    ranked_count = Proposal.objects.filter(opportunity=opportunity, rank__isnull=False).count()
    criteria = list(opportunity.criteria.all())
    results = []
    for proposal in bids:
        consensus = {s.criterion_id: s for s in Score.objects.filter(proposal=proposal, evaluator__isnull=True)}
        results.append({
            "supplier": proposal.supplier, "proposal": proposal, "won": proposal.pk == contract.proposal_id,
            "disqualified": proposal.disqualified_at is not None, "reason": proposal.disqualification_reason,
            "rank": proposal.rank, "out_of": ranked_count, "total": proposal.total_score,
            "winning_total": contract.proposal.total_score,
            "scores": [{"criterion": c, "score": consensus[c.pk].score if c.pk in consensus else None,
                        "comment": consensus[c.pk].comment if c.pk in consensus else ""} for c in criteria],
            "awarded_at": contract.awarded_at, "tie_rule": str(TIE_RULE)})
    return results


# --- The workspace -------------------------------------------------------------------------------

def workspace(*, user) -> dict:
    """The person's panels and the evaluations their bodies run (editor or admin)."""
    _require_signed_in(user)
    seats = list(Evaluator.objects.filter(user=user).select_related("opportunity__buyer")
                 .order_by("-opportunity__deadline", "pk"))
    body_ids = [m.organisation_id for m in core_services.membership_list(user=user) if m.role in access.MANAGE_ROLES]
    managed = list(Opportunity.objects.filter(buyer_id__in=body_ids, status__in=[
        Opportunity.Status.PUBLISHED, Opportunity.Status.SUSPENDED, Opportunity.Status.EVALUATION,
        Opportunity.Status.AWARDED]).select_related("buyer")
        .prefetch_related(Prefetch("evaluators", queryset=Evaluator.objects.select_related("user")))
        .order_by("-deadline", "pk")) if body_ids else []
    return {"seats": seats, "managed": managed}
