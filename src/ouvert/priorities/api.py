"""``/api/v1/priorities/…``."""

from ninja import Router

router = Router()
