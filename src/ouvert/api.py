"""The REST API at /api/v1/: one NinjaAPI, one error shape, routers added by each module."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.security import APIKeyHeader, SessionAuth

from ouvert.core import services as core_services


class TokenAuth(APIKeyHeader):
    """``Authorization: <token>`` (as CKAN clients send it) or ``Authorization: Bearer <token>``."""

    param_name = "Authorization"

    def authenticate(self, request, key):
        user = core_services.token_authenticate(key)
        if user is not None:
            request.user = user
        return user


def reader(request):
    """Who reads (for endpoints open to everyone that show more to some): the owner of the token sent in
    ``Authorization`` (or CKAN's ``X-CKAN-API-Key``; an invalid token is refused), else the session's
    person, else an anonymous user."""
    from django.contrib.auth.models import AnonymousUser

    raw = request.headers.get("Authorization") or request.headers.get("X-CKAN-API-Key")
    if raw:
        user = core_services.token_authenticate(raw)
        if user is None:
            raise PermissionDenied(_("Jeton d'API invalide, révoqué ou compte désactivé."))
        return user
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else AnonymousUser()


#: Endpoints that write require one of these; reads are open to everyone.
#: ``SessionAuth`` checks the CSRF token of signed-in browsers.
AUTH = [TokenAuth(), SessionAuth()]

api = NinjaAPI(
    title="Ouvert API",
    version="1",
    description="API REST d'Ouvert / Ouvert REST API. Lecture ouverte à tous ; écriture avec un jeton "
                "(`Authorization: <jeton>`) ou une session.",
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
)


def _error(request, status: int, message: str, errors=None):
    body = {"detail": message}
    if errors:
        body["errors"] = errors
    return api.create_response(request, body, status=status)


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    first = next(iter(errors.values()))[0] if errors else _("Données invalides.")
    return _error(request, 400, str(first), errors)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc: PermissionDenied):
    return _error(request, 403, str(exc) or _("Permission refusée."))


@api.exception_handler(core_services.NotFound)
def on_not_found(request, exc: core_services.NotFound):
    return _error(request, 404, exc.message)


@api.exception_handler(core_services.RateLimited)
def on_rate_limited(request, exc: core_services.RateLimited):
    response = _error(request, 429, exc.message)
    response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(RequestDataTooBig)
def on_request_too_big(request, exc):
    return _error(request, 413, _("Requête trop volumineuse : la taille maximale est de %(size)s octets.")
                  % {"size": settings.DATA_UPLOAD_MAX_MEMORY_SIZE})


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    # ninja's own refusals, in the platform's shape and language.
    message = str(exc)
    if message.startswith("Cannot parse request body"):
        message = _("Corps de la requête illisible : envoyez un objet JSON valide.")
    return _error(request, exc.status_code, message)


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    return _error(request, 401, _("Authentification requise : envoyez un jeton dans l'en-tête Authorization."))


def register_routers():
    """Each module adds its router here (modules never import one another's api)."""
    from ouvert.catalog.api import router as catalog_router
    from ouvert.consult.api import router as consult_router
    from ouvert.core.api import router as core_router
    from ouvert.datastore.api import router as datastore_router
    from ouvert.geo.api import router as geo_router
    from ouvert.learn.api import router as learn_router
    from ouvert.market.api import router as market_router
    from ouvert.plan.api import router as plan_router
    from ouvert.priorities.api import router as priorities_router
    from ouvert.quality.api import router as quality_router
    from ouvert.science.api import router as science_router
    from ouvert.software.api import router as software_router

    api.add_router("/core", core_router)
    api.add_router("/plan", plan_router)
    api.add_router("/catalog", catalog_router)
    api.add_router("/datastore", datastore_router)
    api.add_router("/quality", quality_router)
    api.add_router("/geo", geo_router)
    api.add_router("/learn", learn_router)
    api.add_router("/priorities", priorities_router)
    api.add_router("/consult", consult_router)
    api.add_router("/market", market_router)
    api.add_router("/science", science_router)
    api.add_router("/software", software_router)


register_routers()


def nested_urls(patterns: list, depth: int = 4) -> list:
    """ninja's URL patterns (one flat list, ~150 routes) as a tree by leading path segment
    (``consult/`` → ``processes/`` → ``<slug>/`` → ``proposals/`` …): Django tries the patterns one after
    the other, and a route near the end of a flat list was reached after a hundred failed matches
    (0.2 ms of each API call). The order of the routes within each branch is kept; a level whose heads
    include a ``<converter>`` is left flat unless that is its only branch (two branches could then
    match the same segment, and their order would matter)."""
    from django.urls import URLPattern, include, path

    if depth == 0:
        return patterns
    branches: dict[str, list] = {}
    layout: list = []  # the patterns left as they are, and the branches' heads where each first appears
    for pattern in patterns:
        route = str(pattern.pattern)
        head, slash, rest = route.partition("/")
        if not isinstance(pattern, URLPattern) or not slash or not head or not rest:
            layout.append(pattern)
            continue
        if head not in branches:
            branches[head] = []
            layout.append(head)
        branches[head].append(path(rest, pattern.callback, pattern.default_args, pattern.name))
    if len(branches) > 1 and any("<" in head for head in branches):
        return patterns
    return [path(f"{item}/", include(nested_urls(branches[item], depth - 1))) if isinstance(item, str) else item
            for item in layout]
