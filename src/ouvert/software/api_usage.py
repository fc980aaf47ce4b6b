"""``/api/v1/software/…``: uses of software by public bodies. Reads are open to everyone (a referent's e-mail
only to signed-in callers: a token or a session); declaring, changing and withdrawing need a token or a session
(401 without) and membership of the body (403). Errors: 400 (``errors`` per field), 403, 404."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Body, Router, Schema, Status

from ouvert.api import AUTH, reader
from ouvert.software import services

router = Router(tags=["software"])


def _usage(usage, *, show_emails: bool) -> dict:
    return {
        "id": usage.pk, "software": usage.software.slug, "software_name": usage.software.name,
        "organisation": {"slug": usage.organisation.slug, "name_fr": usage.organisation.name_fr,
                         "name_en": usage.organisation.name_en, "acronym": usage.organisation.acronym},
        "purpose_fr": usage.purpose_fr, "purpose_en": usage.purpose_en, "version": usage.version,
        "since": usage.since.isoformat() if usage.since else None,
        "referents": [{"name": r.name, "role": r.role, **({"email": r.email} if show_emails else {})}
                      for r in usage.referents.all()],
        "created_at": usage.created_at.isoformat(), "updated_at": usage.updated_at.isoformat(),
    }


@router.get("/usages", url_name="software_usages", summary="Utilisations par les organismes publics / Uses by public bodies")
def usage_list(request: HttpRequest, software: str = "", organisation: str = ""):
    """The uses of one software (``software``: its slug) or of one body (``organisation``: its slug). Referents'
    e-mails are given to signed-in callers only."""
    show = services.referent_emails_visible(reader(request))
    if software:
        usages = services.usage_list(services.usage_software_get(software))
        if organisation:
            usages = [u for u in usages if u.organisation.slug == organisation]
    elif organisation:
        usages = services.usages_of_body(services.body_get(organisation))
    else:
        raise ValidationError({"software": [_("Indiquez « software » (identifiant d'un logiciel) ou « organisation » "
                                              "(identifiant d'un organisme).")]})
    return {"count": len(usages), "results": [_usage(u, show_emails=show) for u in usages]}


@router.get("/usages/{int:pk}", url_name="software_usage", summary="Une utilisation / One use")
def usage_detail(request: HttpRequest, pk: int):
    return _usage(services.usage_get(pk=pk), show_emails=services.referent_emails_visible(reader(request)))


class ReferentIn(Schema):
    name: str = ""
    email: str = ""
    role: str = ""
    user: str = ""


class UsageIn(Schema):
    software: str
    organisation: str
    purpose_fr: str = ""
    purpose_en: str = ""
    version: str = ""
    since: str | None = None
    referents: list[ReferentIn] = []


@router.post("/usages", auth=AUTH, response={201: dict}, url_name="software_usage_declare",
             summary="Déclarer une utilisation / Declare a use")
def usage_declare(request: HttpRequest, payload: UsageIn):
    """One use per software and body: a second declaration is refused (400); change the first instead."""
    data = payload.dict()
    software = services.usage_software_get(data.pop("software"))
    usage = services.usage_declare(actor=request.auth, software=software, organisation=data["organisation"],
                                   data=data)
    return Status(201, _usage(usage, show_emails=True))


@router.patch("/usages/{int:pk}", auth=AUTH, url_name="software_usage_update",
              summary="Modifier une utilisation / Change a use")
def usage_update(request: HttpRequest, pk: int, payload: dict = Body(...)):  # noqa: B008
    """The fields given replace the stored ones (``referents``, when given, replaces the list)."""
    usage = services.usage_get(pk=pk)
    allowed = {"purpose_fr", "purpose_en", "version", "since", "referents"}
    unknown = sorted(set(payload) - allowed)
    if unknown:
        raise ValidationError({"__all__": [_("Champs inconnus : %(names)s.") % {"names": ", ".join(unknown)[:300]}]})
    data = services.usage_values(usage)
    data.update(payload)
    return _usage(services.usage_update(actor=request.auth, usage=usage, data=data), show_emails=True)


@router.delete("/usages/{int:pk}", auth=AUTH, response={204: None}, url_name="software_usage_withdraw",
               summary="Retirer une utilisation / Withdraw a use")
def usage_withdraw(request: HttpRequest, pk: int):
    services.usage_withdraw(actor=request.auth, usage=services.usage_get(pk=pk))
    return Status(204, None)


@router.get("/usage-counts", url_name="software_usage_counts",
            summary="Nombre d'organismes par logiciel / Bodies per software")
def usage_counts(request: HttpRequest, software: str = ""):
    """``software``: slugs separated by commas (100 at most)."""
    return services.usage_counts_by_slug([s.strip() for s in software.split(",") if s.strip()][:100])
