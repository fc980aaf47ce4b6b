"""Demo content of the geo layers (``ouvert demo``, after the catalogue's and the datastore's): every
conversion the catalogue's demo files asked for (the Québec regions, the Québec City bike network…)
is run now, in this process, so that maps and converted downloads work at once without a worker.
Links are left to ``ouvert worker`` (they need the network)."""

from __future__ import annotations

from .models import GeoLayer


def load(stdout=None) -> None:
    from .layers import layer_run

    waiting = GeoLayer.objects.filter(status=GeoLayer.Status.PENDING, version__isnull=False).order_by("id")
    done = failed = 0
    for layer_id in waiting.values_list("pk", flat=True):
        layer = layer_run(layer_id=layer_id)
        if layer is not None and layer.status == GeoLayer.Status.DONE:
            done += 1
        else:
            failed += 1
    if stdout is not None:
        stdout.write(f"couches géographiques : {done} converties maintenant, {failed} en échec\n")
