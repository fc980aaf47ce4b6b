"""The OAI-PMH endpoint (``/oai``, GET and POST ``application/x-www-form-urlencoded``): thin, the protocol is in
``oai_provider``. Every answer is HTTP 200 ``text/xml`` (protocol errors included, as the specification says)."""

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import services


@csrf_exempt  # harvesters POST without a session: nothing is written
@require_http_methods(["GET", "HEAD", "POST"])
def endpoint(request):
    params = request.POST if request.method == "POST" else request.GET
    body = services.oai_respond(params, base_url=request.build_absolute_uri(request.path))
    return HttpResponse(body, content_type="text/xml; charset=utf-8")
