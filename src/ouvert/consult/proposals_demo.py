"""Demo content of the proposals part (``ouvert demo``, order 230)."""


def load() -> dict:
    return {}
