from django.db import connection
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.translation import get_language_from_request


def root_redirect(request):
    """``/`` goes to ``/fr/`` or ``/en/`` by the browser's language; French by default."""
    lang = get_language_from_request(request, check_path=False)
    return HttpResponseRedirect(f"/{'en' if lang and lang.startswith('en') else 'fr'}/")


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def home(request):
    return render(request, "core/home.html")
