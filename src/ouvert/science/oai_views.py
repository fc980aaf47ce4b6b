"""The OAI-PMH endpoint view (see oai_provider)."""

from django.http import HttpResponse


def endpoint(request):
    return HttpResponse(status=503)
