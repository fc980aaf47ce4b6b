"""What the science module plugs into the platform (called from ``ScienceConfig.ready``): each part
registers its own menu links, periodic jobs, audit checks, open data and demo content in ``register()``."""


def register() -> None:
    from . import compliance, dashboard, demo, faq, oai_client, oai_provider, policy, registry, webinars

    for part in (policy, compliance, registry, dashboard, oai_client, oai_provider, faq, webinars, demo):
        part.register()
