"""``/api/v1/catalog/…`` (the catalogue's own API beside the CKAN Action API)."""

from ninja import Router

router = Router(tags=["catalog"])
