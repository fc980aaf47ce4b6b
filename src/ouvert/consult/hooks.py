"""What the consult module plugs into the platform (called from ``ConsultConfig.ready``): each part
registers its own menu links, periodic jobs, open data and demo content."""


def register() -> None:
    from . import comments, debates, opinions, outreach, processes, proposals, results, surveys

    for part in (processes, outreach, proposals, surveys, debates, opinions, comments, results):
        part.register()
