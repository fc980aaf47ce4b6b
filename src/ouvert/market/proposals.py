"""Proposals: drafts, sealed submissions, withdrawal, receipts and their verification, opening after the deadline.

What holds here:

- a proposal's content is stored only sealed (``seal``): the draft in ``Proposal.draft_sealed`` (its
  supplier's members read it: the only opening allowed before the deadline), each submission in a new
  ``Submission`` row;
- proposals are accepted iff ``now < deadline`` (and the opportunity is published); from the deadline on,
  everything is frozen; the time is read inside the transaction that holds the proposal's row lock;
- a submission names the draft revision it sealed: two tabs submitting the same revision give one
  submission and the same receipt; a tab submitting a revision that is no longer the draft's gets
  ``DraftChanged`` (409);
- before the deadline, nothing here tells anyone but the supplier's own members anything about a proposal —
  not even that it exists; after, ``proposal_open`` opens the current submission for the buying body's
  editors and admins and for evaluators who declared no conflict of interest (never for the platform admin);
- the receipt is the SHA-256 of the sealed canonical document: ``receipt_verify`` recomputes it after the
  deadline; ``audit_check`` (run by ``ouvert audit verify``) compares every submission with its audit entry.
"""

from __future__ import annotations

import base64
import datetime
import io
import json
import os
import re
import secrets
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import CharField, Exists, Max, OuterRef, Prefetch, Q
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ouvert.core import services as core_services
from ouvert.core.models import Membership

from . import access, seal
from .formats import montreal_text, time_left
from .models import Contract, Opportunity, Proposal, Question, Submission, Supplier

__all__ = [
    "DeadlinePassed", "DraftChanged", "ProposalTooLarge", "SubmitResult",
    "deadline_message", "my_proposals", "proposal_context", "proposal_draft", "proposal_draft_save", "proposal_submit",
    "proposal_withdraw", "proposal_submissions", "proposal_receipt", "receipt_data", "receipt_text",
    "receipt_parse", "receipt_verify", "opened_receipts", "proposal_opened_document", "proposal_open",
    "proposals_opened", "supplier_users_with_proposal", "supplier_dashboard", "proposal_may_open",
    "proposals_audit_check", "proposals_audit_hidden", "draft_attachment", "proposal_opportunity",
    "max_proposal_bytes",
]

WRITE_ROLES = (Membership.Role.EDITOR, Membership.Role.ADMIN)
TEXT_LIMITS = {"summary": 5_000, "approach": 30_000, "team": 15_000, "schedule": 15_000}
CRITERION_LIMIT = 15_000
MAX_ATTACHMENTS = 20
NAME_LIMIT = 120
TEXT_EXTENSIONS = (".txt", ".md", ".csv")


class DeadlinePassed(PermissionDenied):
    """The deadline has come: the proposal is frozen (403, the message states the deadline)."""


class DraftChanged(Exception):
    """A submission of a draft revision that is no longer the current one (409)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ProposalTooLarge(Exception):
    """The proposal's attachments and text exceed ``OUVERT_MARKET_MAX_PROPOSAL_BYTES`` (413)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class SubmitResult:
    submission: Submission
    created: bool  # False: this revision was already submitted (another tab); same receipt


# --- Time ----------------------------------------------------------------------------------------

def deadline_message(opportunity: Opportunity) -> str:
    return _("La date limite était le %(deadline)s ; aucune proposition n'est acceptée après.") % {
        "deadline": montreal_text(opportunity.deadline)}


def _past_deadline(opportunity: Opportunity, now=None) -> bool:
    """The deadline has come: nothing is submitted or withdrawn any more (opening has its own rule,
    ``Opportunity.is_past_deadline``)."""
    now = now or timezone.now()
    return opportunity.deadline is not None and now >= opportunity.deadline


def _open_check(opportunity: Opportunity, now=None, *, allow_suspended: bool = False) -> None:
    """``DeadlinePassed`` from the deadline on; ``PermissionDenied`` when not accepting proposals."""
    now = now or timezone.now()
    if _past_deadline(opportunity, now):
        raise DeadlinePassed(deadline_message(opportunity))
    statuses = {Opportunity.Status.PUBLISHED} | ({Opportunity.Status.SUSPENDED} if allow_suspended else set())
    if opportunity.status not in statuses or opportunity.deadline is None:
        raise PermissionDenied(_("L'opportunité %(ref)s n'accepte pas de propositions (statut : %(status)s).")
                               % {"ref": opportunity.reference, "status": opportunity.get_status_display()})


def _sealed_message(opportunity: Opportunity) -> str:
    if opportunity.status == Opportunity.Status.SUSPENDED:
        return _("L'opportunité est suspendue : les propositions restent scellées jusqu'à sa reprise et à sa date "
                 "limite.")
    if opportunity.status == Opportunity.Status.CANCELLED and opportunity.closed_at is None:
        return _("L'opportunité a été annulée avant sa date limite : ses propositions restent scellées.")
    return _("Les propositions restent scellées jusqu'à la date limite du %(deadline)s.") % {
        "deadline": montreal_text(opportunity.deadline)}


# --- Who ----------------------------------------------------------------------------------------

def proposal_opportunity(reference: str) -> Opportunity:
    """A published (or once published) opportunity; drafts and opportunities under review do not exist here."""
    opportunity = (Opportunity.objects.select_related("buyer")
                   .filter(reference=str(reference or "").strip(), published_at__isnull=False).first())
    if opportunity is None:
        raise core_services.NotFound(_("Opportunité « %(ref)s » introuvable.") % {"ref": reference})
    return opportunity


def _member_supplier(slug: str, user) -> Supplier:
    """The supplier ``slug`` if ``user`` is one of its members (``NotFound`` otherwise: nothing revealed)."""
    supplier = Supplier.objects.select_related("organisation").filter(organisation__slug=slug).first()
    if supplier is None or not access.is_supplier_member(user, supplier):
        raise core_services.NotFound(_("Fournisseur « %(slug)s » introuvable parmi les vôtres.") % {"slug": slug})
    return supplier


def _member_check(user, supplier: Supplier) -> None:
    if not access.is_supplier_member(user, supplier):
        raise core_services.NotFound(_("Proposition introuvable."))


def _writer_check(user, supplier: Supplier) -> None:
    _member_check(user, supplier)
    if not access.is_supplier_member(user, supplier, WRITE_ROLES):
        raise PermissionDenied(_("Seuls les éditeurs et administrateurs du fournisseur rédigent, soumettent ou "
                                 "retirent ses propositions."))


def proposal_may_open(user, opportunity: Opportunity) -> bool:
    """May read opened proposals (after the deadline): an evaluator of the panel who declared no conflict
    of interest, or an editor or admin of the buying body who holds no seat on the panel (a seat binds its
    holder to the declaration first, and a declared conflict shuts them out). Never the platform admin as such."""
    seat = access.evaluator_get(user, opportunity)
    if seat is not None:
        return seat.may_read
    return access.is_buyer(user, opportunity)


def proposal_context(*, reference: str, supplier: str, user) -> tuple[Opportunity, Supplier, Proposal | None]:
    """The opportunity, the person's supplier ``supplier`` (slug) and its proposal to it (``None`` if none yet)."""
    from .opportunities import opportunity_close_if_due

    supplier_obj = _member_supplier(supplier, user)
    opportunity = opportunity_close_if_due(proposal_opportunity(reference))  # moves to evaluation once due
    proposal = (Proposal.objects.select_related("opportunity__buyer", "supplier__organisation")
                .filter(opportunity=opportunity, supplier=supplier_obj).first())
    return opportunity, supplier_obj, proposal


# --- Drafts -------------------------------------------------------------------------------------

def _empty_content() -> dict:
    return {"summary": "", "approach": "", "team": "", "schedule": "", "criteria": {}}


def _unseal_draft(proposal: Proposal) -> dict:
    if not proposal.draft_sealed:
        return {"content": _empty_content(), "attachments": []}
    plain = seal.unseal(proposal.draft_sealed, proposal.draft_key, proposal.draft_key_id,
                        aad=seal.draft_aad(proposal.pk))
    return json.loads(plain)


def proposal_draft(proposal: Proposal | None, user) -> dict:
    """The supplier's working copy, opened for one of its members (the only opening before the deadline)."""
    if proposal is None:
        return {"content": _empty_content(), "attachments": []}
    _member_check(user, proposal.supplier)
    return _unseal_draft(proposal)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _text(value) -> str:
    return _CONTROL.sub("", "" if value is None else str(value)).replace("\r\n", "\n").strip()


def _field_label(field: str) -> str:
    return {"summary": _("Résumé"), "approach": _("Démarche"), "team": _("Équipe"),
            "schedule": _("Calendrier")}.get(field, field)


def _clean_content(opportunity: Opportunity, content: dict, previous: dict) -> dict:
    """``previous`` with the fields given in ``content`` replaced (criteria merged by id)."""
    errors: dict[str, list[str]] = {}
    merged = {**_empty_content(), **(previous or {})}
    merged["criteria"] = dict(merged.get("criteria") or {})
    for field, limit in TEXT_LIMITS.items():
        if field in content:
            value = _text(content[field])
            if len(value) > limit:
                errors[field] = [_("%(field)s : %(max)s caractères au plus.") % {"field": _field_label(field),
                                                                                 "max": limit}]
            merged[field] = value
    criteria = content.get("criteria") or {}
    if not isinstance(criteria, dict):
        raise ValidationError({"criteria": [_("Critères : un objet {identifiant du critère : réponse} est "
                                              "attendu.")]})
    known = {str(c.pk): c for c in opportunity.criteria.all()}
    for key, value in criteria.items():
        key = str(key)
        if key not in known:
            errors[f"criterion_{key}"] = [_("Critère n° %(id)s : ce critère n'est pas celui de l'opportunité.")
                                          % {"id": key}]
            continue
        value = _text(value)
        if len(value) > CRITERION_LIMIT:
            errors[f"criterion_{key}"] = [_("Critère « %(name)s » : %(max)s caractères au plus.")
                                          % {"name": known[key].name_fr, "max": CRITERION_LIMIT}]
        merged["criteria"][key] = value
    merged["criteria"] = {k: v for k, v in merged["criteria"].items() if k in known}
    if set(content) - set(TEXT_LIMITS) - {"criteria"}:
        for key in sorted(set(content) - set(TEXT_LIMITS) - {"criteria"}):
            errors[key] = [_("%(field)s : champ inconnu.") % {"field": key}]
    if errors:
        raise ValidationError(errors)
    return merged


def _attachment_type(name: str, data: bytes) -> str | None:
    """The type of an attached file from its bytes (its name only tells text apart), or ``None``."""
    head = data[:16]
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
                if archive.testzip() is not None:
                    return None
                if "mimetype" in names:
                    kind = archive.read("mimetype").strip().decode("ascii", "replace")
                    if kind.startswith("application/vnd.oasis.opendocument."):
                        return kind
                if "[Content_Types].xml" in names:
                    for prefix, kind in (
                            ("word/", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
                            ("xl/", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                            ("ppt/", "application/vnd.openxmlformats-officedocument.presentationml.presentation")):
                        if any(n.startswith(prefix) for n in names):
                            return kind
                return "application/zip"
        except (zipfile.BadZipFile, OSError, KeyError, RuntimeError, NotImplementedError, EOFError):
            return None
    if name.lower().endswith(TEXT_EXTENSIONS) and b"\x00" not in data:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return "text/plain"
    return None


def _safe_name(name: str) -> str:
    name = os.path.basename(str(name or "").replace("\\", "/"))
    name = re.sub(r"[\x00-\x1f\x7f/\\:*?\"<>|]", "", name).strip(" .")
    if len(name) > NAME_LIMIT:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: NAME_LIMIT - len(ext) - 1] + "." + ext) if dot and len(ext) < 10 else name[:NAME_LIMIT]
    return name or "piece-jointe"


def max_proposal_bytes() -> int:
    return int(settings.OUVERT_MARKET_MAX_PROPOSAL_BYTES)


def _too_large() -> ProposalTooLarge:
    return ProposalTooLarge(_("Pièces jointes : la proposition dépasse la taille maximale de %(mb)s Mo "
                              "(%(bytes)s octets), texte et pièces jointes compris.")
                            % {"mb": round(max_proposal_bytes() / 1_048_576, 1), "bytes": max_proposal_bytes()})


def _read_upload(upload) -> tuple[str, bytes]:
    """``(name, bytes)`` of an uploaded file (Django ``UploadedFile`` or ``(name, bytes)``), checked."""
    if isinstance(upload, tuple):
        name, data = upload
    else:
        if (upload.size or 0) > max_proposal_bytes():
            raise _too_large()
        name, data = upload.name, upload.read()
    name = _safe_name(name)
    if len(data) > max_proposal_bytes():
        raise _too_large()
    if not data:
        raise ValidationError({"attachments": [_("Pièces jointes : « %(name)s » est vide.") % {"name": name}]})
    if _attachment_type(name, data) is None:
        raise ValidationError({"attachments": [
            _("Pièces jointes : « %(name)s » est illisible ou d'un type non accepté (PDF, ODT, ODS, ODP, DOCX, XLSX, "
              "PPTX, PNG, JPEG, ZIP ou texte .txt/.md/.csv).") % {"name": name}]})
    return name, data


def _attachment_entry(name: str, data: bytes) -> dict:
    return {"name": name, "content_type": _attachment_type(name, data), "size": len(data),
            "sha256": seal.sha256(data), "data": base64.b64encode(data).decode()}


def _document_size(content: dict, attachments: list[dict]) -> int:
    text = sum(len(str(v).encode()) for k, v in content.items() if k != "criteria")
    text += sum(len(str(v).encode()) for v in (content.get("criteria") or {}).values())
    return text + sum(int(a["size"]) for a in attachments)


def _lock_or_create(opportunity: Opportunity, supplier: Supplier, user) -> tuple[Proposal, bool]:
    proposal = Proposal.objects.select_for_update().filter(opportunity=opportunity, supplier=supplier).first()
    if proposal is not None:
        return proposal, False
    try:
        with transaction.atomic():
            return Proposal.objects.create(opportunity=opportunity, supplier=supplier, created_by=user), True
    except IntegrityError:  # created by another tab at the same instant
        return Proposal.objects.select_for_update().get(opportunity=opportunity, supplier=supplier), False


def proposal_draft_save(*, opportunity: Opportunity, supplier: Supplier, user, content: dict | None = None,
                        attachments=(), remove=()) -> Proposal:
    """Save the supplier's draft (creating the proposal at its first save): the fields given in ``content``
    (``summary``, ``approach``, ``team``, ``schedule``, ``criteria`` {criterion id: answer}), new
    ``attachments`` (uploads; one with the name of a kept one replaces it) and the names to ``remove``.
    Sealed; ``draft_revision`` grows by one."""
    _writer_check(user, supplier)
    _open_check(opportunity)
    files = [_read_upload(upload) for upload in attachments or () if upload not in (None, "")]
    remove = {str(name) for name in remove or () if str(name).strip()}
    with transaction.atomic():
        proposal, created = _lock_or_create(opportunity, supplier, user)
        opportunity = Opportunity.objects.get(pk=opportunity.pk)
        _open_check(opportunity)  # checked again under the lock
        previous = _unseal_draft(proposal)
        merged = _clean_content(opportunity, content or {}, previous.get("content") or {})
        kept = [a for a in previous.get("attachments") or [] if a["name"] not in remove]
        unknown = remove - {a["name"] for a in previous.get("attachments") or []}
        if unknown:
            raise ValidationError({"remove": [_("Pièces jointes : aucune pièce jointe ne s'appelle « %(name)s ».")
                                              % {"name": sorted(unknown)[0]}]})
        for name, data in files:
            kept = [a for a in kept if a["name"] != name] + [_attachment_entry(name, data)]
        if len(kept) > MAX_ATTACHMENTS:
            raise ValidationError({"attachments": [_("Pièces jointes : %(n)s au plus.") % {"n": MAX_ATTACHMENTS}]})
        if _document_size(merged, kept) > max_proposal_bytes():
            raise _too_large()
        document = {"format": seal.DOCUMENT_FORMAT, "opportunity": opportunity.reference,
                    "supplier": {"neq": supplier.neq, "legal_name": supplier.legal_name},
                    "content": merged, "attachments": kept}
        sealed = seal.seal(document, aad=seal.draft_aad(proposal.pk))
        proposal.draft_sealed, proposal.draft_key, proposal.draft_key_id = (sealed.ciphertext, sealed.wrapped_key,
                                                                            sealed.key_id)
        proposal.draft_revision += 1
        proposal.updated_at = timezone.now()
        proposal.save(update_fields=["draft_sealed", "draft_key", "draft_key_id", "draft_revision", "updated_at"])
        core_services.audit_append(actor=user, action="market.proposals.draft_save", target=proposal,
                                   data={"opportunity": opportunity.reference, "supplier": supplier.organisation.slug,
                                         "revision": proposal.draft_revision, "created": created})
    proposal.opportunity, proposal.supplier = opportunity, supplier
    return proposal


def draft_attachment(proposal: Proposal, user, index: int) -> dict:
    """One attachment of the draft (``name``, ``content_type``, ``data`` as bytes), for the supplier's members."""
    attachments = proposal_draft(proposal, user).get("attachments") or []
    if not 0 <= index < len(attachments):
        raise core_services.NotFound(_("Pièce jointe introuvable."))
    found = dict(attachments[index])
    found["data"] = base64.b64decode(found["data"])
    return found


# --- Submitting and withdrawing ----------------------------------------------------------------

def _current(proposal: Proposal) -> Submission | None:
    return (Submission.objects.filter(proposal=proposal, superseded_at__isnull=True, withdrawn_at__isnull=True)
            .order_by("-version").first())


def _complete_check(opportunity: Opportunity, content: dict) -> None:
    errors: dict[str, list[str]] = {}
    for field in TEXT_LIMITS:
        if not (content.get(field) or "").strip():
            errors[field] = [_("%(field)s : à remplir avant de soumettre.") % {"field": _field_label(field)}]
    answers = content.get("criteria") or {}
    for criterion in opportunity.criteria.all():
        if not (answers.get(str(criterion.pk)) or "").strip():
            errors[f"criterion_{criterion.pk}"] = [_("Critère « %(name)s » : répondez avant de soumettre.")
                                                   % {"name": criterion.name_fr}]
    if errors:
        raise ValidationError(errors)


def _members(supplier: Supplier):
    User = get_user_model()
    return list(User.objects.filter(memberships__organisation_id=supplier.organisation_id, is_active=True)
                .distinct())


def _tell_members(supplier: Supplier, opportunity: Opportunity, subject: str, body: str) -> None:
    """Tell the supplier's members (never the buyer) what happened to their proposal. The notification stays
    out of the platform's admin until the deadline (``sealed_until``): before it, nothing may tell that a
    supplier bids."""
    core_services.notify(recipients=_members(supplier), subject=subject, body=body,
                         url=reverse("market:supplier_dashboard"), sealed_until=opportunity.deadline)


def _revision(value) -> int | None:
    if value in (None, ""):
        return None
    try:
        revision = int(str(value).strip())
    except ValueError:
        revision = -1
    if revision < 0:
        raise ValidationError({"draft_revision": [_("Révision du brouillon : un nombre entier est attendu.")]})
    return revision


def proposal_submit(*, proposal: Proposal, user, draft_revision=None, no_conflict_of_interest=False,
                    terms_accepted=False) -> SubmitResult:
    """Seal the draft revision ``draft_revision`` (the current one when not given) as a new submission, with
    the two attestations; the previous current submission is superseded. Idempotent for one revision."""
    _writer_check(user, proposal.supplier)
    _open_check(proposal.opportunity)
    revision = _revision(draft_revision)
    errors: dict[str, list[str]] = {}
    if no_conflict_of_interest is not True:
        errors["no_conflict_of_interest"] = [_("Attestation : cochez l'absence de conflit d'intérêts pour soumettre.")]
    if terms_accepted is not True:
        errors["terms_accepted"] = [_("Attestation : acceptez les conditions de l'appel pour soumettre.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = (Proposal.objects.select_for_update().select_related("supplier__organisation")
                  .get(pk=proposal.pk))
        opportunity = Opportunity.objects.get(pk=locked.opportunity_id)
        now = timezone.now()  # read under the lock: two submits are ordered, and both see the deadline
        _open_check(opportunity, now)
        if revision is None:
            revision = locked.draft_revision
        if revision != locked.draft_revision:
            raise DraftChanged(_("Le brouillon a changé depuis l'ouverture de cette page (révision %(new)s, vous "
                                 "soumettiez la révision %(old)s) : relisez-le, puis soumettez de nouveau.")
                               % {"new": locked.draft_revision, "old": revision})
        current = _current(locked)
        if current is not None and current.draft_revision == revision:
            return SubmitResult(current, False)
        if locked.draft_revision == 0:
            raise ValidationError({"summary": [_("Résumé : enregistrez d'abord un brouillon.")]})
        draft = _unseal_draft(locked)
        _complete_check(opportunity, draft.get("content") or {})
        version = (Submission.objects.filter(proposal=locked).aggregate(n=Max("version"))["n"] or 0) + 1
        supplier = locked.supplier
        document = {
            "format": seal.DOCUMENT_FORMAT, "opportunity": opportunity.reference,
            "supplier": {"neq": supplier.neq, "legal_name": supplier.legal_name},
            "version": version, "submitted_at": now.astimezone(datetime.UTC).isoformat(),
            "salt": secrets.token_hex(16), "content": draft["content"], "attachments": draft.get("attachments") or [],
            "attestations": {"no_conflict_of_interest": True, "terms_accepted": True},
        }
        sealed = seal.seal(document, aad=seal.submission_aad(locked.pk, version))
        if current is not None:
            Submission.objects.filter(pk=current.pk).update(superseded_at=now)
        submission = Submission.objects.create(
            proposal=locked, version=version, draft_revision=revision, sealed=sealed.ciphertext,
            wrapped_key=sealed.wrapped_key, key_id=sealed.key_id, receipt=sealed.digest,
            sealed_sha256=sealed.sealed_digest, submitted_at=now, submitted_by=user, coi_attested=True,
            terms_accepted=True)
        locked.status = Proposal.Status.SUBMITTED
        locked.updated_at = now
        locked.save(update_fields=["status", "updated_at"])
        core_services.audit_append(actor=user, action="market.proposals.submit", target=submission, data={
            "receipt": sealed.digest, "sealed_sha256": sealed.sealed_digest, "version": version,
            "opportunity": opportunity.reference, "supplier": supplier.organisation.slug,
            "draft_revision": revision})
        _tell_members(supplier, opportunity,
                      _("Proposition soumise : %(ref)s (version %(version)s)") % {"ref": opportunity.reference,
                                                                                  "version": version},
                      _("Reçu (empreinte SHA-256) : %(receipt)s. La proposition reste scellée jusqu'à la date "
                        "limite, le %(deadline)s.") % {"receipt": sealed.digest,
                                                        "deadline": montreal_text(opportunity.deadline)})
    submission.proposal = locked
    locked.opportunity = opportunity
    return SubmitResult(submission, True)


def proposal_withdraw(*, proposal: Proposal, user) -> Submission:
    """Withdraw the current submission (before the deadline); the draft stays, to resubmit until the deadline."""
    _writer_check(user, proposal.supplier)
    with transaction.atomic():
        locked = Proposal.objects.select_for_update().select_related("supplier__organisation").get(pk=proposal.pk)
        opportunity = Opportunity.objects.get(pk=locked.opportunity_id)
        now = timezone.now()
        _open_check(opportunity, now, allow_suspended=True)
        current = _current(locked)
        if current is None:
            raise ValidationError({"proposal": [_("Proposition : aucune soumission en cours à retirer.")]})
        current.withdrawn_at = now
        current.save(update_fields=["withdrawn_at"])
        locked.status = Proposal.Status.WITHDRAWN
        locked.updated_at = now
        locked.save(update_fields=["status", "updated_at"])
        core_services.audit_append(actor=user, action="market.proposals.withdraw", target=current, data={
            "receipt": current.receipt, "version": current.version, "opportunity": opportunity.reference,
            "supplier": locked.supplier.organisation.slug})
        _tell_members(locked.supplier, opportunity,
                      _("Proposition retirée : %(ref)s") % {"ref": opportunity.reference},
                      _("La soumission (reçu %(receipt)s) est retirée ; vous pouvez soumettre de nouveau jusqu'au "
                        "%(deadline)s.") % {"receipt": current.receipt,
                                            "deadline": montreal_text(opportunity.deadline)})
    current.proposal = locked
    return current


# --- Receipts -------------------------------------------------------------------------------------

_LIGHT = ("sealed", "wrapped_key")


def proposal_submissions(proposal: Proposal | None, user) -> list[Submission]:
    """Every submission of the proposal (receipts, versions), for the supplier's members."""
    if proposal is None:
        return []
    _member_check(user, proposal.supplier)
    return list(Submission.objects.filter(proposal=proposal).defer(*_LIGHT).order_by("-version"))


def proposal_receipt(proposal: Proposal | None, user, version=None) -> Submission:
    """One submission (the latest when ``version`` is not given), for the supplier's members."""
    if proposal is None:
        raise core_services.NotFound(_("Aucune proposition soumise."))
    _member_check(user, proposal.supplier)
    qs = Submission.objects.filter(proposal=proposal).defer(*_LIGHT).select_related("proposal__opportunity",
                                                                                     "proposal__supplier")
    found = qs.filter(version=int(version)).first() if version not in (None, "") else qs.order_by("-version").first()
    if found is None:
        raise core_services.NotFound(_("Reçu introuvable."))
    return found


def _receipt_status(submission: Submission) -> str:
    if submission.withdrawn_at:
        return _("retirée le %(when)s") % {"when": montreal_text(submission.withdrawn_at)}
    if submission.superseded_at:
        return _("remplacée le %(when)s") % {"when": montreal_text(submission.superseded_at)}
    return _("en vigueur")


def receipt_data(submission: Submission) -> dict:
    """What the supplier keeps (no content): the receipt, the opportunity, the version and the time."""
    proposal = submission.proposal
    opportunity = proposal.opportunity
    verify = f"{settings.OUVERT_BASE_URL}{reverse('market:receipt_verify')}"
    return {
        "receipt": submission.receipt,
        "algorithm": "SHA-256",
        "opportunity": opportunity.reference,
        "opportunity_title": opportunity.title_fr,
        "supplier": proposal.supplier.legal_name,
        "neq": proposal.supplier.neq,
        "version": submission.version,
        "submitted_at": submission.submitted_at.astimezone(datetime.UTC).isoformat(),
        "submitted_at_montreal": montreal_text(submission.submitted_at),
        "deadline": opportunity.deadline.astimezone(datetime.UTC).isoformat() if opportunity.deadline else None,
        "deadline_montreal": montreal_text(opportunity.deadline),
        "sealed_sha256": submission.sealed_sha256,
        "status": _receipt_status(submission),
        "verify_url": verify,
    }


def receipt_text(submission: Submission) -> str:
    data = receipt_data(submission)
    lines = [
        _("Reçu de proposition scellée — Développe avec nous"),
        "",
        _("Reçu (SHA-256) : %(v)s") % {"v": data["receipt"]},
        _("Opportunité : %(v)s") % {"v": data["opportunity"]},
        _("Titre : %(v)s") % {"v": data["opportunity_title"]},
        _("Fournisseur : %(v)s (NEQ %(neq)s)") % {"v": data["supplier"], "neq": data["neq"]},
        _("Version : %(v)s") % {"v": data["version"]},
        _("Soumise le : %(v)s") % {"v": data["submitted_at_montreal"]},
        _("Date limite : %(v)s") % {"v": data["deadline_montreal"]},
        _("État : %(v)s") % {"v": data["status"]},
        "",
        _("Après la date limite, vérifiez ce reçu : %(url)s") % {"url": data["verify_url"]},
        _("ou téléchargez le document ouvert de votre proposition : « sha256sum » doit redonner ce reçu."),
    ]
    return "\n".join(lines) + "\n"


_HEX64 = re.compile(r"(?<![0-9a-fA-F])[0-9a-fA-F]{64}(?![0-9a-fA-F])")
_REFERENCE_LINE = re.compile(r"(?:Opportunité|Opportunity)\s*:\s*(\S+)", re.IGNORECASE)


def receipt_parse(text: str) -> tuple[str, str | None]:
    """The receipt (and the opportunity's reference when given) from what was pasted: the hash alone, the
    receipt's JSON or its text. ``ValidationError`` on ``receipt`` when there is no SHA-256 in it."""
    text = (text or "").strip()
    reference = None
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("receipt"), str):
            text, reference = data["receipt"], data.get("opportunity") if isinstance(data.get("opportunity"),
                                                                                     str) else None
    match = _HEX64.search(text)
    if match is None:
        raise ValidationError({"receipt": [_("Reçu : collez l'empreinte SHA-256 (64 caractères hexadécimaux) ou le "
                                             "reçu complet.")]})
    if reference is None:
        found = _REFERENCE_LINE.search(text)
        reference = found.group(1) if found else None
    return match.group(0).lower(), reference


def _check_submission(submission: Submission) -> tuple[str, str]:
    """Open a submission and compare its document's SHA-256 with the receipt stored beside it."""
    try:
        plain = seal.unseal(submission.sealed, submission.wrapped_key, submission.key_id,
                            aad=seal.submission_aad(submission.proposal_id, submission.version))
    except seal.SealBroken:
        return "broken", _("NON CONFORME — scellé altéré : le contenu chiffré ne s'ouvre plus.")
    if seal.sha256(plain) == submission.receipt:
        return "conforming", _("Conforme : la proposition ouverte correspond à ce reçu.")
    return "not_conforming", _("NON CONFORME : l'empreinte de la proposition ouverte ne correspond pas au reçu.")


def receipt_verify(receipt: str, opportunity: str | None = None) -> dict:
    """Check a receipt (what was pasted: the hash, or the receipt's JSON or text; ``opportunity`` the reference).

    Before the opportunity's deadline the answer says only when it becomes checkable, whether or not the
    receipt exists; without an opportunity, a receipt that is not among the opened proposals gets one
    answer, whatever the reason. After the deadline: conforming, NOT conforming, or broken seal.
    """
    value, parsed_reference = receipt_parse(receipt)
    reference = (opportunity or "").strip() or parsed_reference
    now = timezone.now()
    result = {"receipt": value, "opportunity": None, "deadline": None, "version": None, "submitted_at": None,
              "current": None}
    if reference:
        try:
            opp = proposal_opportunity(reference)
        except core_services.NotFound:
            raise ValidationError({"opportunity": [_("Opportunité : aucune opportunité publiée n'a le numéro "
                                                     "« %(ref)s ».") % {"ref": reference}]}) from None
        result.update(opportunity=opp.reference, deadline=opp.deadline.isoformat() if opp.deadline else None)
        if not opp.is_past_deadline(now):
            result.update(status="pending", message=_("Ce reçu sera vérifiable après la date limite du %(deadline)s "
                                                      "(opportunité %(ref)s).")
                          % {"deadline": montreal_text(opp.deadline), "ref": opp.reference})
            return result
        submission = (Submission.objects.select_related("proposal__opportunity")
                      .filter(receipt=value, proposal__opportunity=opp).first())
        if submission is None:
            result.update(status="unknown", message=_("Aucune proposition de l'opportunité %(ref)s ne porte ce reçu.")
                          % {"ref": opp.reference})
            return result
    else:
        submission = (Submission.objects.select_related("proposal__opportunity")
                      .filter(Opportunity.opened_q(now, "proposal__opportunity__"), receipt=value).first())
        if submission is None:
            result.update(status="unknown", message=_(
                "Aucune proposition ouverte ne porte ce reçu. Un reçu n'est vérifiable qu'après la date limite de "
                "son opportunité : indiquez aussi le numéro de l'opportunité pour connaître cette date."))
            return result
        opp = submission.proposal.opportunity
        result.update(opportunity=opp.reference, deadline=opp.deadline.isoformat())
    status, message = _check_submission(submission)
    result.update(status=status, message=message, version=submission.version,
                  submitted_at=submission.submitted_at.isoformat(), current=submission.is_current,
                  withdrawn=submission.withdrawn_at is not None)
    if submission.withdrawn_at is not None:
        result["message"] += " " + _("Cette soumission a été retirée avant la date limite.")
    elif submission.superseded_at is not None:
        result["message"] += " " + _("Cette version a été remplacée par une version ultérieure.")
    return result


def opened_receipts(opportunity: Opportunity) -> list[dict]:
    """After the deadline, the receipts of the opened (current) submissions with their check; before, ``[]``."""
    if not opportunity.is_past_deadline():
        return []
    rows = []
    for submission in (Submission.objects.filter(proposal__opportunity=opportunity, superseded_at__isnull=True,
                                                 withdrawn_at__isnull=True).order_by("receipt")):
        status, message = _check_submission(submission)
        rows.append({"receipt": submission.receipt, "version": submission.version,
                     "submitted_at": submission.submitted_at, "submitted_at_text": montreal_text(submission.submitted_at),
                     "status": status, "message": message})
    return rows


def proposal_opened_document(proposal: Proposal | None, user) -> bytes:
    """After the deadline, the exact canonical bytes of the supplier's current submission (``sha256sum`` of
    them is the receipt), for the supplier's members."""
    if proposal is None:
        raise core_services.NotFound(_("Aucune proposition soumise."))
    _member_check(user, proposal.supplier)
    opportunity = proposal.opportunity
    if not opportunity.is_past_deadline():
        raise PermissionDenied(_sealed_message(opportunity))
    current = _current(proposal)
    if current is None:
        raise core_services.NotFound(_("Aucune soumission en vigueur à la date limite."))
    return seal.unseal(current.sealed, current.wrapped_key, current.key_id,
                       aad=seal.submission_aad(proposal.pk, current.version))


# --- Opening (after the deadline) ---------------------------------------------------------------

def proposal_open(proposal: Proposal, user) -> dict:
    """The opened document of the current submission — only from the deadline on, and only for an editor or
    admin of the buying body or an evaluator who declared no conflict of interest. ``seal.SealBroken`` when
    the stored ciphertext no longer opens."""
    opportunity = proposal.opportunity
    if not opportunity.is_past_deadline():
        raise PermissionDenied(_sealed_message(opportunity))
    if not proposal_may_open(user, opportunity):
        raise PermissionDenied(_("Seuls les éditeurs et administrateurs de l'organisme acheteur et les membres du "
                                 "comité d'évaluation qui ont déclaré n'avoir aucun conflit d'intérêts lisent les "
                                 "propositions."))
    current = _current(proposal)
    if current is None:
        raise core_services.NotFound(_("Cette proposition n'a pas de soumission en vigueur."))
    plain = seal.unseal(current.sealed, current.wrapped_key, current.key_id,
                        aad=seal.submission_aad(proposal.pk, current.version))
    seen = core_services.audit_list(target=current, action="market.proposals.open", limit=None)
    if not any(entry.actor_id == user.pk for entry in seen):
        core_services.audit_append(actor=user, action="market.proposals.open", target=current,
                                   data={"opportunity": opportunity.reference, "version": current.version,
                                         "receipt": current.receipt})
    return json.loads(plain)


def proposals_opened(opportunity: Opportunity, user) -> list[Proposal]:
    """The proposals with a current submission at the deadline (``proposal.submission`` holds it, without
    its ciphertext), for those who may open them, and the platform admin (who never reads them); ``[]``
    before the deadline. ``PermissionDenied`` for anyone else."""
    if not (proposal_may_open(user, opportunity) or access.is_platform_admin(user)):
        raise PermissionDenied(_("Seuls l'organisme acheteur et le comité d'évaluation voient les propositions, "
                                 "après la date limite."))
    if not opportunity.is_past_deadline():
        return []
    current = Submission.objects.filter(superseded_at__isnull=True, withdrawn_at__isnull=True)
    proposals = list(Proposal.objects.filter(opportunity=opportunity)
                     .filter(Exists(current.filter(proposal=OuterRef("pk"))))
                     .select_related("supplier__organisation", "opportunity")
                     .prefetch_related(Prefetch("submissions", queryset=current.defer(*_LIGHT),
                                                to_attr="current_submissions"))
                     .order_by("id"))
    for proposal in proposals:
        proposal.submission = proposal.current_submissions[0]
    return proposals


def supplier_users_with_proposal(opportunity: Opportunity) -> set:
    """The members of the suppliers with a proposal to ``opportunity`` (draft, submitted or withdrawn): they
    are told of its addenda. Only for notifications sent to those people themselves."""
    User = get_user_model()
    return set(User.objects.filter(is_active=True,
                                   memberships__organisation__market_supplier__proposals__opportunity=opportunity)
               .distinct())


# --- The supplier's dashboard --------------------------------------------------------------------

def my_proposals(opportunity: Opportunity, user) -> list[dict]:
    """The person's suppliers, each with its own proposal to ``opportunity`` or ``None`` (nothing of anyone else's)."""
    if not access.is_signed_in(user):
        return []
    mine = access.supplier_memberships(user)
    found = {p.supplier_id: p for p in Proposal.objects.filter(opportunity=opportunity, supplier__in=mine)}
    return [{"supplier": s, "proposal": found.get(s.pk)} for s in sorted(mine, key=lambda s: s.legal_name)]


def supplier_dashboard(*, user) -> dict:
    """The person's suppliers (with her role), their proposals by state with their receipts and results, and
    the questions she asked."""
    memberships = list(Membership.objects.filter(user=user, organisation__kind="supplier")
                       .select_related("organisation__market_supplier").order_by("organisation__name_fr"))
    suppliers = [m.organisation.market_supplier for m in memberships if hasattr(m.organisation, "market_supplier")]
    roles = {m.organisation_id: m for m in memberships}
    proposals = list(Proposal.objects.filter(supplier__in=suppliers)
                     .select_related("opportunity__buyer", "supplier__organisation")
                     .prefetch_related(Prefetch("submissions", queryset=Submission.objects.defer(*_LIGHT)
                                                .order_by("-version")))
                     .order_by("-updated_at", "-id"))
    contracts = {c.opportunity_id: c for c in Contract.objects.filter(
        opportunity_id__in=[p.opportunity_id for p in proposals])}
    now = timezone.now()
    rows = []
    for proposal in proposals:
        submissions = list(proposal.submissions.all())
        current = next((s for s in submissions if s.is_current), None)
        opportunity = proposal.opportunity
        contract = contracts.get(opportunity.pk)
        rows.append({
            "proposal": proposal, "opportunity": opportunity, "supplier": proposal.supplier,
            "submissions": submissions, "current": current,
            "draft_changed": current is not None and proposal.draft_revision > current.draft_revision,
            "open": opportunity.is_open(now), "past_deadline": opportunity.is_past_deadline(now),
            "deadline_text": montreal_text(opportunity.deadline),
            "time_left": time_left(opportunity.deadline, now),
            "can_write": roles[proposal.supplier.organisation_id].role in WRITE_ROLES,
            "result": None if contract is None else ("won" if contract.proposal_id == proposal.pk else "lost"),
        })
    return {
        "memberships": [{"supplier": s, "role": roles[s.organisation_id].get_role_display(),
                         "is_admin": roles[s.organisation_id].role == Membership.Role.ADMIN} for s in suppliers],
        "drafts": [r for r in rows if r["proposal"].status == Proposal.Status.DRAFT],
        "submitted": [r for r in rows if r["proposal"].status == Proposal.Status.SUBMITTED],
        "withdrawn": [r for r in rows if r["proposal"].status == Proposal.Status.WITHDRAWN],
        "questions": list(Question.objects.filter(asked_by=user).select_related("opportunity", "addendum")
                          .order_by("-asked_at")),
    }


# --- Audit: integrity check and what the log hides until the deadline ---------------------------

def _sealed_now_q(prefix: str = "") -> Q:
    """Opportunities whose proposals are still sealed."""
    return ~Opportunity.opened_q(prefix=prefix)


def proposals_audit_hidden(queryset):
    """The audit entries without those about a proposal or submission whose opportunity's deadline has not
    come (their mere existence would tell that a supplier is bidding)."""
    sealed_proposals = (Proposal.objects.filter(_sealed_now_q("opportunity__"))
                        .annotate(key=Cast("pk", CharField())).values("key"))
    sealed_submissions = (Submission.objects.filter(_sealed_now_q("proposal__opportunity__"))
                          .annotate(key=Cast("pk", CharField())).values("key"))
    return queryset.exclude(Q(target_type="market.proposal", target_id__in=sealed_proposals)
                            | Q(target_type="market.submission", target_id__in=sealed_submissions))


def proposals_audit_check() -> list[str]:
    """Every submission: the SHA-256 of its ciphertext is the one stored and the one audited at submission,
    its receipt is the audited one; after the deadline, the ciphertext opens and its document's SHA-256 is
    the receipt. Returns the problems found (one line each, naming the proposal)."""
    audited = {}
    for entry in core_services.audit_list(action="market.proposals.submit", include_hidden=True, limit=None):
        audited.setdefault(entry.target_id, entry.data or {})
    problems = []
    now = timezone.now()
    for submission in (Submission.objects.select_related("proposal__opportunity", "proposal__supplier")
                       .order_by("proposal_id", "version").iterator(chunk_size=50)):
        proposal = submission.proposal
        name = _("proposition n° %(id)s (%(ref)s, %(supplier)s), version %(v)s") % {
            "id": proposal.pk, "ref": proposal.opportunity.reference, "supplier": proposal.supplier.legal_name,
            "v": submission.version}
        if seal.sha256(bytes(submission.sealed)) != submission.sealed_sha256:
            problems.append(_("%(name)s : le contenu scellé ne correspond plus à son empreinte enregistrée.")
                            % {"name": name})
        entry = audited.get(str(submission.pk))
        if entry is None:
            problems.append(_("%(name)s : aucune entrée de soumission au journal d'audit.") % {"name": name})
        else:
            if entry.get("sealed_sha256") != submission.sealed_sha256:
                problems.append(_("%(name)s : l'empreinte du scellé diffère de celle inscrite au journal d'audit.")
                                % {"name": name})
            if entry.get("receipt") != submission.receipt:
                problems.append(_("%(name)s : le reçu enregistré diffère de celui inscrit au journal d'audit.")
                                % {"name": name})
        if proposal.opportunity.is_past_deadline(now):
            status, _message = _check_submission(submission)
            if status == "broken":
                problems.append(_("%(name)s : scellé altéré, le contenu chiffré ne s'ouvre plus.") % {"name": name})
            elif status == "not_conforming":
                problems.append(_("%(name)s : la proposition ouverte ne correspond pas à son reçu.") % {"name": name})
    return problems


def register() -> None:
    """The audit log's check of the sealed submissions and its filter of what is still sealed."""
    from ouvert.core import registry

    registry.register_audit_check("market.proposals", proposals_audit_check)
    registry.register_audit_hidden(proposals_audit_hidden)
