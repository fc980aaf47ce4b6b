"""The proposals part of the consult module (see ``services``): proposals (ideas) made by participants,
the supports other people give them, the organiser's official answer, and amendments.

Every rule that must hold under concurrent requests is kept by the database:

- a proposal's ``number`` is the next one of its process: the process row is locked while it is taken
  (and a clash on the ``consult_proposal_number`` constraint is retried);
- one support per person and proposal (``consult_support_unique``): a double submit finds the
  existing support and never counts twice; ``supports_count`` moves with ``F()`` in the same
  transaction as the ``Support`` row;
- the per-person limits (``support_limit``, ``proposal_limit``) are conditional UPDATEs of the
  person's ``Participation`` row (``… WHERE supports_used < limit``).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.paginator import Paginator
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max, Q
from django.db.models.functions import Mod
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ouvert.core import rows
from ouvert.core import services as core_services

from . import access, outreach
from .models import Amendment, Category, Participation, Phase, Process, Proposal, Support, TargetKind

__all__ = [
    "PROPOSAL_ATTACHMENT_MAX_BYTES", "PROPOSAL_PAGE_SIZE", "PROPOSAL_SORTS", "QUEBEC_BOUNDS", "ProposalPage",
    "amendment_accept", "amendment_create", "amendment_get", "amendment_list", "amendment_reject", "amendment_withdraw",
    "proposal_answer", "proposal_can_manage", "proposal_categories", "proposal_create", "proposal_get", "proposal_list",
    "proposal_map_points", "proposal_queryset", "proposal_support", "proposal_supported_ids", "proposal_supports_remaining",
    "proposal_unsupport", "proposal_update", "proposal_withdraw",
]

#: (west, south, east, north) of Quebec: a proposal's location must fall inside.
QUEBEC_BOUNDS = (-79.8, 44.99, -57.1, 62.6)
PROPOSAL_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
PROPOSAL_PAGE_SIZE = 20
PROPOSAL_SORTS = ("supports", "recent", "comments", "random")
TITLE_MIN, TITLE_MAX = 5, 200
BODY_MIN, BODY_MAX = 15, 10000
#: What the official answer may set (``published`` and ``withdrawn`` are not answers).
ANSWER_STATUSES = (Proposal.Status.EVALUATING, Proposal.Status.ACCEPTED, Proposal.Status.REJECTED,
                   Proposal.Status.IMPLEMENTED)
#: States in which a proposal takes supports and amendments.
OPEN_STATUSES = (Proposal.Status.PUBLISHED, Proposal.Status.EVALUATING)


def register() -> None:
    """What this part plugs into the platform: its demo content (after the processes, order 230)."""
    from ouvert.core import registry

    from . import proposals_demo

    registry.register_demo_loader("consult_proposals", proposals_demo.load, order=230)


# --- Reading ---------------------------------------------------------------------------------------

@dataclass
class ProposalPage:
    items: list
    total: int
    page: int
    pages: int
    sort: str


def proposal_can_manage(user, process: Process) -> bool:
    """``access.can_manage``, remembered on the process object for the rest of the request."""
    key = getattr(user, "pk", None)
    cache = process.__dict__.setdefault("_proposals_can_manage", {})
    if key not in cache:
        cache[key] = access.can_manage(user, process)
    return cache[key]


def _visible(qs, *, process: Process, user):
    if not proposal_can_manage(user, process):
        qs = qs.filter(is_hidden=False)
    return qs


def proposal_categories(*, process: Process) -> list[Category]:
    return list(Category.objects.filter(process=process))


def proposal_queryset(*, process: Process, user=None, category=None, status=None, q=None, sort: str = "supports",
                      seed: int = 0):
    """The process's proposals as ``user`` may see them, filtered and sorted (hidden ones left out except
    for managers, withdrawn ones only when asked by ``status``), with author and category joined."""
    sort = sort or "supports"
    if sort not in PROPOSAL_SORTS:
        raise ValidationError({"sort": [_("Tri inconnu : choisissez parmi %(s)s.") % {"s": ", ".join(PROPOSAL_SORTS)}]})
    qs = _visible(Proposal.objects.filter(process=process), process=process, user=user)
    if status:
        if status not in Proposal.Status.values:
            raise ValidationError({"status": [_("État inconnu.")]})
        qs = qs.filter(status=status)
    else:
        qs = qs.exclude(status=Proposal.Status.WITHDRAWN)
    if category not in (None, ""):
        try:
            qs = qs.filter(category_id=int(category))
        except (TypeError, ValueError):
            raise ValidationError({"category": [_("Catégorie inconnue.")]}) from None
    q = (q or "").strip()
    if q:
        if len(q) > 200:
            raise ValidationError({"q": [_("La recherche est trop longue (200 caractères au plus).")]})
        qs = qs.filter(Q(title__icontains=q) | Q(body__icontains=q))
    if sort == "supports":
        qs = qs.order_by("-supports_count", "-id")
    elif sort == "recent":
        qs = qs.order_by("-created_at", "-id")
    elif sort == "comments":
        qs = qs.order_by("-comments_count", "-id")
    else:  # a shuffle that stays the same from page to page for one seed
        qs = qs.annotate(shuffle=Mod(F("id") * (int(seed) % 9973 + 7919), 10007)).order_by("shuffle", "id")
    return qs.select_related("author", "category")


def proposal_list(*, process: Process, user=None, category=None, status=None, q=None, sort: str = "supports",
                  page=1, page_size: int = PROPOSAL_PAGE_SIZE, seed: int = 0) -> ProposalPage:
    """One page of the process's proposals (see ``proposal_queryset``): one query for the rows, one for
    the count."""
    page = core_services.page_number(page)
    qs = proposal_queryset(process=process, user=user, category=category, status=status, q=q, sort=sort, seed=seed)
    paginator = Paginator(qs, page_size)
    total = paginator.count
    pages = max(paginator.num_pages, 1)
    if page > pages:
        raise core_services.NotFound(_("Cette page de résultats n’existe pas."))
    items = list(paginator.page(page).object_list) if total else []
    return ProposalPage(items=items, total=total, page=page, pages=pages, sort=sort or "supports")


def proposal_get(*, process: Process, number: int, user=None) -> Proposal:
    """The proposal ``number`` of ``process`` (a hidden one only for its managers), or ``NotFound``."""
    proposal = (Proposal.objects.select_related("author", "category", "answered_by")
                .filter(process=process, number=number).first())
    if proposal is None or (proposal.is_hidden and not proposal_can_manage(user, process)):
        raise core_services.NotFound(_("Proposition n° %(n)s introuvable.") % {"n": number})
    proposal.process = process
    return proposal


def proposal_to_support(*, slug: str, number: int, user) -> Proposal:
    """The proposal ``number`` of the process ``slug`` that ``user`` (un)supports, with its process and what
    ``access.participation_check`` needs to know, in one short statement written out rather than compiled
    by the ORM (the support is the busiest write: ``bench/consult.py``). Anything unusual (unknown,
    hidden, a private or draft process) goes through ``access.process_get`` and ``proposal_get``, and
    their errors."""
    facts_sql, params, names = "", [], []
    if user is not None and user.is_authenticated:
        facts_sql, params, names = access.participation_facts_columns(
            user=user, component=Phase.Component.SUPPORTS, alias="r")
        facts_sql = f", {facts_sql}"
    row = rows.one(
        f"SELECT {rows.columns(Process, 'r')}, {rows.columns(Proposal, 'p')}{facts_sql} "  # noqa: S608 — names from the models, values as parameters
        f"FROM {rows.table(Process)} r JOIN {rows.table(Proposal)} p ON p.process_id = r.id "
        "WHERE r.slug = %s AND p.number = %s", [*params, slug, number])
    if row is not None:
        process, end = rows.instance(Process, row)
        proposal, end = rows.instance(Proposal, row, end)
        if not proposal.is_hidden and process.published_at is not None \
                and process.visibility != Process.Visibility.PRIVATE:
            if names:
                access.participation_facts_keep(process=process, user=user, component=Phase.Component.SUPPORTS,
                                                names=names, values=row[end:])
            proposal.process = process
            return proposal
    return proposal_get(process=access.process_get(slug=slug, user=user), number=number, user=user)


def proposal_map_points(*, process: Process, user=None, limit: int = 1000) -> list[dict]:
    """The located proposals, for the map (the list of proposals is its accessible equivalent)."""
    qs = _visible(Proposal.objects.filter(process=process, latitude__isnull=False, longitude__isnull=False),
                  process=process, user=user).exclude(status=Proposal.Status.WITHDRAWN)
    rows = qs.order_by("-supports_count", "-id").values("number", "title", "latitude", "longitude",
                                                         "supports_count", "address")[:limit]
    return [{**row, "url": reverse("consult:proposal", kwargs={"slug": process.slug, "number": row["number"]})}
            for row in rows]


def proposal_supported_ids(*, user, proposals) -> set[int]:
    """Which of ``proposals`` ``user`` supports (one query)."""
    if user is None or not user.is_authenticated:
        return set()
    ids = [p.pk for p in proposals]
    if not ids:
        return set()
    return set(Support.objects.filter(user=user, proposal_id__in=ids).values_list("proposal_id", flat=True))


def proposal_supports_remaining(*, process: Process, user) -> int | None:
    """How many supports ``user`` may still give in ``process`` (``None``: no limit)."""
    if not process.support_limit:
        return None
    if user is None or not user.is_authenticated:
        return process.support_limit
    used = Participation.objects.filter(process=process, user=user).values_list("supports_used", flat=True).first()
    return max(process.support_limit - (used or 0), 0)


def amendment_get(*, proposal: Proposal, pk) -> Amendment:
    amendment = Amendment.objects.filter(pk=pk, proposal=proposal).select_related("author").first()
    if amendment is None:
        raise core_services.NotFound(_("Amendement introuvable."))
    amendment.proposal = proposal
    return amendment


def amendment_list(*, proposal: Proposal, user=None) -> list[Amendment]:
    qs = Amendment.objects.filter(proposal=proposal).select_related("author")
    if not proposal_can_manage(user, proposal.process):
        qs = qs.filter(is_hidden=False)
    return list(qs)


# --- Validation ------------------------------------------------------------------------------------

def _text(errors: dict, field: str, value, *, minimum: int, maximum: int, label: str) -> str:
    value = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
    if len(value) < minimum:
        errors[field] = [_("%(label)s : au moins %(n)s caractères.") % {"label": label, "n": minimum}]
    elif len(value) > maximum:
        errors[field] = [_("%(label)s : au plus %(n)s caractères.") % {"label": label, "n": maximum}]
    elif "\x00" in value:
        errors[field] = [_("%(label)s : caractères non permis.") % {"label": label}]
    return value


def _category(errors: dict, process: Process, value):
    if value in (None, ""):
        return None
    try:
        pk = int(value)
    except (TypeError, ValueError):
        pk = None
    category = Category.objects.filter(process=process, pk=pk).first() if pk else None
    if category is None:
        errors["category"] = [_("Choisissez une catégorie de cette consultation.")]
    return category


def _location(errors: dict, address, latitude, longitude):
    address = (address or "").strip()
    if len(address) > 300:
        errors["address"] = [_("L’adresse : au plus 300 caractères.")]
    if latitude in (None, "") and longitude in (None, ""):
        return address, None, None
    try:
        lat, lon = float(latitude), float(longitude)
    except (TypeError, ValueError):
        errors["location"] = [_("Indiquez la latitude et la longitude en nombres (par exemple 46.81 et -71.21).")]
        return address, None, None
    west, south, east, north = QUEBEC_BOUNDS
    if not (south <= lat <= north and west <= lon <= east):
        errors["location"] = [_("Le lieu doit se trouver au Québec.")]
        return address, None, None
    return address, lat, lon


def _attachment_kind(head: bytes, data: bytes) -> str | None:
    """The kind of an attached file from its bytes (not its name): pdf, png, jpeg, gif, webp, odt, docx."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
                if "mimetype" in names and archive.read("mimetype").strip() == b"application/vnd.oasis.opendocument.text":
                    return "odt"
                if "word/document.xml" in names and "[Content_Types].xml" in names:
                    return "docx"
        except (zipfile.BadZipFile, OSError, KeyError):
            return None
    return None


def _attachment(errors: dict, upload):
    """``(kind, bytes)`` of an uploaded file (Django ``UploadedFile`` or ``(name, bytes)``), or ``None``."""
    if upload is None or upload == "":
        return None
    if isinstance(upload, tuple):
        data = upload[1]
    else:
        if upload.size > PROPOSAL_ATTACHMENT_MAX_BYTES:
            errors["attachment"] = [_("La pièce jointe dépasse 10 Mo.")]
            return None
        data = upload.read()
    if len(data) > PROPOSAL_ATTACHMENT_MAX_BYTES:
        errors["attachment"] = [_("La pièce jointe dépasse 10 Mo.")]
        return None
    kind = _attachment_kind(data[:16], data)
    if kind is None:
        errors["attachment"] = [_("La pièce jointe doit être un PDF, une image (PNG, JPEG, GIF, WebP) ou un "
                                  "document ODT ou DOCX.")]
        return None
    return kind, data


# --- Proposals -------------------------------------------------------------------------------------

def _next_number(process: Process) -> int:
    return (Proposal.objects.filter(process=process).aggregate(n=Max("number"))["n"] or 0) + 1


def proposal_create(*, process: Process, user, title: str, body: str, category=None, address: str = "",
                    latitude=None, longitude=None, attachment=None) -> Proposal:
    """A new proposal by ``user``; ``attachment`` is an uploaded file or ``(name, bytes)``."""
    access.participation_check(user=user, process=process, component=Phase.Component.PROPOSALS)
    errors: dict = {}
    title = _text(errors, "title", title, minimum=TITLE_MIN, maximum=TITLE_MAX, label=_("Le titre"))
    body = _text(errors, "body", body, minimum=BODY_MIN, maximum=BODY_MAX, label=_("Le texte"))
    category = _category(errors, process, category)
    address, lat, lon = _location(errors, address, latitude, longitude)
    file = _attachment(errors, attachment)
    if errors:
        raise ValidationError(errors)
    access.posting_rate_check(user, "proposal")
    for attempt in range(5):
        try:
            with transaction.atomic():
                Process.objects.select_for_update().filter(pk=process.pk).first()  # numbers one at a time
                participation = access.participation_record(process=process, user=user)
                limited = Participation.objects.filter(pk=participation.pk)
                if process.proposal_limit:
                    limited = limited.filter(proposals_made__lt=process.proposal_limit)
                if not limited.update(proposals_made=F("proposals_made") + 1):
                    raise ValidationError({"__all__": [
                        _("Vous avez déjà fait %(n)s propositions, le maximum permis dans cette consultation.")
                        % {"n": process.proposal_limit}]})
                now = timezone.now()
                proposal = Proposal(process=process, number=_next_number(process), author=user, category=category,
                                    title=title, body=body, address=address, latitude=lat, longitude=lon,
                                    created_at=now, modified_at=now)
                if file is not None:
                    kind, data = file
                    proposal.attachment.save(f"proposition-{process.slug}.{kind}", ContentFile(data), save=False)
                proposal.save()
                outreach.follow(user=user, process=process, target_kind=TargetKind.PROPOSAL, target_id=proposal.pk)
                return proposal
        except IntegrityError:
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


def _author_check(proposal: Proposal, user) -> None:
    if user is None or not user.is_authenticated or proposal.author_id != user.pk:
        raise PermissionDenied(_("Seule la personne qui a fait cette proposition peut la modifier."))


def proposal_update(*, proposal: Proposal, user, title: str, body: str, category=None, address: str = "",
                    latitude=None, longitude=None) -> Proposal:
    """The author changes the proposal, as long as nobody supports it and it is not answered."""
    _author_check(proposal, user)
    access.participation_check(user=user, process=proposal.process, component=Phase.Component.PROPOSALS)
    errors: dict = {}
    title = _text(errors, "title", title, minimum=TITLE_MIN, maximum=TITLE_MAX, label=_("Le titre"))
    body = _text(errors, "body", body, minimum=BODY_MIN, maximum=BODY_MAX, label=_("Le texte"))
    category = _category(errors, proposal.process, category)
    address, lat, lon = _location(errors, address, latitude, longitude)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        updated = Proposal.objects.filter(pk=proposal.pk, supports_count=0, status=Proposal.Status.PUBLISHED).update(
            title=title, body=body, category=category, address=address, latitude=lat, longitude=lon,
            modified_at=timezone.now())
        if not updated:
            raise ValidationError({"__all__": [_("Une proposition déjà appuyée ou répondue ne peut plus être "
                                                 "modifiée.")]})
        access.participation_record(process=proposal.process, user=user)
    proposal.refresh_from_db()
    return proposal


def proposal_withdraw(*, proposal: Proposal, user) -> Proposal:
    """The author withdraws the proposal (it leaves the lists; its supports stay recorded)."""
    _author_check(proposal, user)
    with transaction.atomic():
        if not Proposal.objects.filter(pk=proposal.pk, status__in=OPEN_STATUSES).update(
                status=Proposal.Status.WITHDRAWN, modified_at=timezone.now()):
            raise ValidationError({"__all__": [_("Cette proposition ne peut plus être retirée.")]})
        access.participation_record(process=proposal.process, user=user)
    proposal.refresh_from_db()
    return proposal


# --- Supports --------------------------------------------------------------------------------------

@dataclass
class SupportResult:
    support: Support | None
    created: bool
    supports_count: int


class _AlreadySupported(Exception):
    pass


def _supports_used_add(process: Process, user, step: int) -> None:
    """Count one more (or one less) support of ``user`` in ``process`` and one action, in one conditional
    UPDATE of their participation row (``supports_used < support_limit``); the row is made the first
    time (``access.participation_record``). ``ValidationError`` when the limit is reached."""
    now = timezone.now()
    found = Participation.objects.filter(process=process, user=user)
    if step > 0 and process.support_limit:
        found = found.filter(supports_used__lt=process.support_limit)
    elif step < 0:
        found = found.filter(supports_used__gt=0)
    changes = {"supports_used": F("supports_used") + step, "actions": F("actions") + 1, "last_action_at": now}
    if found.update(**changes):
        return
    if step < 0:
        access.participation_record(process=process, user=user)
        return
    participation = access.participation_record(process=process, user=user)  # the first action here
    found = Participation.objects.filter(pk=participation.pk)
    if process.support_limit:
        found = found.filter(supports_used__lt=process.support_limit)
    if not found.update(supports_used=F("supports_used") + 1):
        raise ValidationError({"__all__": [
            _("Vous avez déjà donné vos %(n)s appuis dans cette consultation : retirez-en un pour appuyer "
              "cette proposition.") % {"n": process.support_limit}]})


def _supports_count_add(proposal: Proposal, step: int) -> int:
    """``supports_count`` moved by ``step`` in the database (never below 0); the new value, read in the
    same statement (``RETURNING``)."""
    table = connection.ops.quote_name(Proposal._meta.db_table)
    guard = " AND supports_count > 0" if step < 0 else ""
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET supports_count = supports_count + %s WHERE id = %s{guard} "  # noqa: S608
                       f"RETURNING supports_count", [step, proposal.pk])
        row = cursor.fetchone()
    if row is None:
        return Proposal.objects.filter(pk=proposal.pk).values_list("supports_count", flat=True).get()
    return row[0]


def _support_open(proposal: Proposal) -> None:
    if proposal.is_hidden or proposal.status not in OPEN_STATUSES:
        raise ValidationError({"__all__": [_("Cette proposition ne reçoit plus d’appuis.")]})


def _threshold_notify(proposal: Proposal, count: int) -> None:
    """Tell the followers once, the first time the proposal reaches its process's threshold."""
    process = proposal.process
    if not process.support_threshold or count != process.support_threshold:
        return
    if any(entry.action == "consult.proposals.threshold" for entry in core_services.audit_list(target=proposal)):
        return
    core_services.audit_append(actor=None, action="consult.proposals.threshold", target=proposal,
                               data={"supports": count})
    url = reverse("consult:proposal", kwargs={"slug": process.slug, "number": proposal.number})
    subject = _("La proposition « %(t)s » a atteint le seuil de %(n)s appuis") % {"t": proposal.title, "n": count}
    transaction.on_commit(lambda: outreach.followers_notify(
        process=process, target_kind=TargetKind.PROPOSAL, target_id=proposal.pk, subject=subject,
        body=_("L’organisme s’est engagé à répondre aux propositions qui atteignent ce seuil."), url=url,
        also=[proposal.author]))


def _support_one_statement(proposal: Proposal, user) -> SupportResult | None:
    """PostgreSQL: the support, the person's ``supports_used`` and the proposal's counter in **one**
    statement (data-modifying CTEs), atomic on its own: no transaction to open and commit around it. The
    person's participation row is locked first (``FOR UPDATE``, which waits for and re-reads a concurrent
    support of theirs) and the support is written only when that row exists under the per-person limit;
    ``INSERT … ON CONFLICT DO NOTHING`` makes a double submit write nothing. ``None`` when the portable
    path must decide (first action in the process, limit reached): nothing is written then."""
    process = proposal.process
    now = timezone.now()
    limit = " AND supports_used < %s" if process.support_limit else ""
    sql = (
        "WITH part AS (SELECT id FROM consult_participation WHERE process_id = %s AND user_id = %s"
        f"{limit} FOR UPDATE), "
        "ins AS (INSERT INTO consult_support (proposal_id, process_id, user_id, created_at) "
        "SELECT %s, %s, %s, %s WHERE EXISTS (SELECT 1 FROM part) ON CONFLICT DO NOTHING RETURNING id), "
        "used AS (UPDATE consult_participation SET supports_used = supports_used + 1, actions = actions + 1, "
        "last_action_at = %s WHERE id IN (SELECT id FROM part) AND EXISTS (SELECT 1 FROM ins) RETURNING 1), "
        "cnt AS (UPDATE consult_proposal SET supports_count = supports_count + 1 WHERE id = %s "
        "AND EXISTS (SELECT 1 FROM ins) RETURNING supports_count) "
        "SELECT EXISTS (SELECT 1 FROM part), (SELECT id FROM ins), (SELECT supports_count FROM cnt), "
        "(SELECT id FROM consult_support WHERE proposal_id = %s AND user_id = %s), "
        "(SELECT supports_count FROM consult_proposal WHERE id = %s)")
    params = [process.pk, user.pk]
    if process.support_limit:
        params.append(process.support_limit)
    params += [proposal.pk, process.pk, user.pk, now, now, proposal.pk, proposal.pk, user.pk, proposal.pk]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        eligible, new_id, count, existing_id, current = cursor.fetchone()
    if new_id is not None:
        _threshold_notify(proposal, count)
        return SupportResult(support=Support(pk=new_id, proposal=proposal, process=process, user=user, created_at=now),
                             created=True, supports_count=count)
    if existing_id is not None:  # already supported (a double submit): nothing written
        return SupportResult(support=Support(pk=existing_id, proposal=proposal, process=process, user=user),
                             created=False, supports_count=current)
    if eligible:  # supported by a transaction newer than this statement (a concurrent double submit)
        support = Support.objects.filter(proposal=proposal, user=user).first()
        current = Proposal.objects.filter(pk=proposal.pk).values_list("supports_count", flat=True).get()
        return SupportResult(support=support, created=False, supports_count=current)
    return None


def proposal_support(*, proposal: Proposal, user) -> SupportResult:
    """``user`` supports ``proposal``; supporting twice (a double submit) returns the existing support."""
    process = proposal.process
    access.participation_check(user=user, process=process, component=Phase.Component.SUPPORTS)
    _support_open(proposal)
    if connection.vendor == "postgresql":
        result = _support_one_statement(proposal, user)
        if result is not None:
            proposal.supports_count = result.supports_count
            return result
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    support = Support.objects.create(proposal=proposal, process=process, user=user)
            except IntegrityError:
                raise _AlreadySupported from None
            _supports_used_add(process, user, 1)
            count = _supports_count_add(proposal, 1)
            _threshold_notify(proposal, count)
    except _AlreadySupported:
        support = Support.objects.filter(proposal=proposal, user=user).first()
        count = Proposal.objects.filter(pk=proposal.pk).values_list("supports_count", flat=True).get()
        proposal.supports_count = count
        return SupportResult(support=support, created=False, supports_count=count)
    proposal.supports_count = count
    return SupportResult(support=support, created=True, supports_count=count)


def proposal_unsupport(*, proposal: Proposal, user) -> SupportResult:
    """``user`` takes back their support (a no-op when there is none)."""
    process = proposal.process
    access.participation_check(user=user, process=process, component=Phase.Component.SUPPORTS)
    with transaction.atomic():
        # The person's participation row first, as a support locks it (_support_one_statement): taking
        # back and supporting at once then wait in line instead of in a cycle.
        list(Participation.objects.select_for_update().filter(process=process, user=user).values_list("pk"))
        deleted = Support.objects.filter(proposal=proposal, user=user).delete()[0]
        if deleted:
            _supports_used_add(process, user, -1)
            count = _supports_count_add(proposal, -1)
        else:
            count = Proposal.objects.filter(pk=proposal.pk).values_list("supports_count", flat=True).get()
    proposal.supports_count = count
    return SupportResult(support=None, created=False, supports_count=count)


# --- Official answers ------------------------------------------------------------------------------

def proposal_answer(*, proposal: Proposal, user, status: str, answer_fr: str = "", answer_en: str = "") -> Proposal:
    """The organiser's official answer: evaluating, accepted, rejected (with its reason) or implemented.
    The author and the followers are told; the answer is audited."""
    process = proposal.process
    if not proposal_can_manage(user, process):
        raise PermissionDenied(_("Seuls les responsables de la consultation peuvent répondre aux propositions."))
    errors: dict = {}
    if status not in ANSWER_STATUSES:
        errors["status"] = [_("Choisissez l’état : en évaluation, retenue, non retenue ou réalisée.")]
    answer_fr = (answer_fr or "").strip()
    answer_en = (answer_en or "").strip()
    if status == Proposal.Status.REJECTED and not answer_fr:
        errors["answer_fr"] = [_("Expliquez pourquoi la proposition n’est pas retenue.")]
    elif status in (Proposal.Status.ACCEPTED, Proposal.Status.IMPLEMENTED) and not answer_fr:
        errors["answer_fr"] = [_("Rédigez la réponse officielle en français.")]
    if len(answer_fr) > 10000:
        errors["answer_fr"] = [_("La réponse : au plus 10 000 caractères.")]
    if len(answer_en) > 10000:
        errors["answer_en"] = [_("La réponse : au plus 10 000 caractères.")]
    if proposal.status == Proposal.Status.WITHDRAWN:
        errors["__all__"] = [_("Cette proposition a été retirée par son auteur.")]
    if errors:
        raise ValidationError(errors)
    previous = proposal.status
    now = timezone.now()
    with transaction.atomic():
        Proposal.objects.filter(pk=proposal.pk).update(status=status, answer_fr=answer_fr, answer_en=answer_en,
                                                       answered_at=now, answered_by=user, modified_at=now)
        core_services.audit_append(actor=user, action="consult.proposals.answer", target=proposal,
                                   data={"from": previous, "to": status, "process": process.slug})
        proposal.refresh_from_db()
        proposal.process = process
        label = Proposal.Status(status).label
        transaction.on_commit(lambda: outreach.followers_notify(
            process=process, target_kind=TargetKind.PROPOSAL, target_id=proposal.pk,
            subject=_("Réponse officielle à la proposition « %(t)s » : %(s)s") % {"t": proposal.title, "s": label},
            body=answer_fr, url=reverse("consult:proposal", kwargs={"slug": process.slug, "number": proposal.number}),
            exclude=user, also=[proposal.author]))
    return proposal


# --- Amendments ------------------------------------------------------------------------------------

def amendment_create(*, proposal: Proposal, user, title: str, body: str) -> Amendment:
    """Another participant suggests a new title and text; the proposal's author accepts it or not."""
    process = proposal.process
    if not process.amendments_enabled:
        raise PermissionDenied(_("Les amendements ne sont pas permis dans cette consultation."))
    access.participation_check(user=user, process=process, component=Phase.Component.PROPOSALS)
    if proposal.author_id == user.pk:
        raise ValidationError({"__all__": [_("Modifiez plutôt votre proposition : un amendement vient d’une autre "
                                             "personne.")]})
    if proposal.is_hidden or proposal.status != Proposal.Status.PUBLISHED:
        raise ValidationError({"__all__": [_("Cette proposition ne reçoit plus d’amendements.")]})
    errors: dict = {}
    title = _text(errors, "title", title, minimum=TITLE_MIN, maximum=TITLE_MAX, label=_("Le titre"))
    body = _text(errors, "body", body, minimum=BODY_MIN, maximum=BODY_MAX, label=_("Le texte"))
    if errors:
        raise ValidationError(errors)
    access.posting_rate_check(user, "amendment")
    with transaction.atomic():
        amendment = Amendment.objects.create(proposal=proposal, author=user, title=title, body=body)
        access.participation_record(process=process, user=user)
        transaction.on_commit(lambda: outreach.followers_notify(
            process=process, target_kind=TargetKind.PROPOSAL, target_id=proposal.pk,
            subject=_("Un amendement est proposé à « %(t)s »") % {"t": proposal.title},
            url=reverse("consult:proposal", kwargs={"slug": process.slug, "number": proposal.number}),
            exclude=user, also=[proposal.author]))
    return amendment


def _amendment_decide(amendment: Amendment, user, status: str) -> Amendment:
    proposal = amendment.proposal
    _author_check(proposal, user)
    now = timezone.now()
    with transaction.atomic():
        if not Amendment.objects.filter(pk=amendment.pk, status=Amendment.Status.PENDING).update(
                status=status, decided_at=now):
            raise ValidationError({"__all__": [_("Cet amendement a déjà été traité.")]})
        if status == Amendment.Status.ACCEPTED:
            if not Proposal.objects.filter(pk=proposal.pk, status=Proposal.Status.PUBLISHED).update(
                    title=amendment.title, body=amendment.body, modified_at=now):
                raise ValidationError({"__all__": [_("Cette proposition ne peut plus être modifiée.")]})
        access.participation_record(process=proposal.process, user=user)
    amendment.refresh_from_db()
    proposal.refresh_from_db()
    return amendment


def amendment_accept(*, amendment: Amendment, user) -> Amendment:
    """The proposal's author accepts: the proposal takes the amendment's title and text."""
    return _amendment_decide(amendment, user, Amendment.Status.ACCEPTED)


def amendment_reject(*, amendment: Amendment, user) -> Amendment:
    return _amendment_decide(amendment, user, Amendment.Status.REJECTED)


def amendment_withdraw(*, amendment: Amendment, user) -> Amendment:
    """The amendment's author takes it back while it is pending."""
    if user is None or amendment.author_id != user.pk:
        raise PermissionDenied(_("Seule la personne qui a proposé cet amendement peut le retirer."))
    if not Amendment.objects.filter(pk=amendment.pk, status=Amendment.Status.PENDING).update(
            status=Amendment.Status.WITHDRAWN, decided_at=timezone.now()):
        raise ValidationError({"__all__": [_("Cet amendement a déjà été traité.")]})
    amendment.refresh_from_db()
    return amendment
