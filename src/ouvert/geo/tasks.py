"""Background tasks of the geo module: thin wrappers around services of the same name."""

from django_tasks import task


@task()
def convert_layer_task(layer_id: int) -> dict:
    from .layers import layer_run

    layer = layer_run(layer_id=layer_id)
    if layer is None:
        return {"status": "missing"}
    return {"status": layer.status, "features": layer.feature_count, "error": layer.error_code}
