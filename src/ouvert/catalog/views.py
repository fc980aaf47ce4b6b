"""Pages of the catalogue. This session: downloading a resource's file (current or older version)."""

from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from . import services
from .models import Resource


@require_GET
def resource_download(request, name, resource_id, number=None):
    """The file of an uploaded resource (current version, or version ``number``); a link redirects.

    A dataset's old name redirects to the address under its current name.
    """
    try:
        dataset = services.dataset_get(name_or_id=name, user=request.user)
        resource = services.resource_get(id=resource_id, user=request.user, dataset=dataset)
        if dataset.name != name:
            kwargs = {"name": dataset.name, "resource_id": resource.pk}
            if number is not None:
                kwargs["number"] = number
            return redirect("catalog:resource_version_download" if number is not None
                            else "catalog:resource_download", permanent=True, **kwargs)
        if resource.kind == Resource.Kind.LINK and number is None:
            return redirect(resource.url)
        version = services.resource_version_get(resource=resource, number=number)
    except services.NotFound as exc:
        raise Http404(str(exc)) from None
    response = FileResponse(version.file.open("rb"), as_attachment=True, filename=version.filename,
                            content_type=version.media_type or "application/octet-stream")
    response["ETag"] = f'"{version.sha256}"'
    response["Content-Length"] = str(version.size)
    return response
