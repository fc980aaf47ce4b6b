"""The people and bodies of the consultations' demo, shared by every part's demo loader: participant
number ``n`` is the same account, with the same name, whichever loader makes it first. Accounts and
bodies are found or created through the core services; an existing one is used as it is (idempotent)."""

from __future__ import annotations

from ouvert.core import services as core_services

DEMO_PASSWORD = "demo-ouvert-2021"
VISITOR_EMAIL = "citoyenne@demo.ouvert.local"
ADMIN_EMAIL = "admin@demo.ouvert.local"

FIRST_NAMES = [
    "Camille", "Olivier", "Nadia", "Gabriel", "Isabelle", "Samuel", "Léa", "Mathieu", "Fatou", "Antoine",
    "Chloé", "Vincent", "Marie-Ève", "Karim", "Julie", "Thomas", "Émilie", "Alexandre", "Rosalie", "Patrick",
    "Anne", "Hugo", "Mia", "François", "Sarah", "Étienne", "Catherine", "Youssef", "Valérie", "David",
    "Mélanie", "Jean-François", "Aïcha", "Louis", "Sophie", "Nicolas", "Élise", "Marc-André", "Amina", "Luc",
]
LAST_NAMES = [
    "Tremblay", "Gagnon", "Roy", "Côté", "Bouchard", "Gauthier", "Morin", "Lavoie", "Fortin", "Gagné",
    "Ouellet", "Pelletier", "Bélanger", "Lévesque", "Bergeron", "Leblanc", "Paquette", "Girard", "Simard",
    "Boucher", "Caron", "Beaulieu", "Cloutier", "Dubé", "Poirier", "Fournier", "Lapointe", "Leclerc", "Lefebvre",
    "Poulin", "Thibault", "Nadeau", "Haddad", "Diallo", "Nguyen", "Mansouri", "Benali", "El Amrani", "Martel",
]


def write(stdout, text: str) -> None:
    """One line of the demo loader's report (``ouvert demo`` prints it)."""
    if stdout is not None:
        stdout.write(text + "\n")


def participant_email(n: int) -> str:
    return f"participant-{n:03d}@demo.ouvert.local"


def participant_name(n: int) -> str:
    first = FIRST_NAMES[(n - 1) % len(FIRST_NAMES)]
    last = LAST_NAMES[((n - 1) * 7 + (n - 1) // len(FIRST_NAMES)) % len(LAST_NAMES)]
    return f"{first} {last} (démo)"


def user(email: str, full_name: str, **kwargs):
    """The account ``email`` as it is, or a new one (``kwargs``: ``password``, ``is_superuser``)."""
    try:
        return core_services.user_get_by_email(email=email)
    except core_services.NotFound:
        return core_services.user_upsert(email=email, full_name=full_name, **kwargs)


def admin():
    """The demo platform administrator (a superuser)."""
    return user(ADMIN_EMAIL, "Administratrice (démo)", is_superuser=True)


def participant(n: int):
    return user(participant_email(n), participant_name(n))


def participants(count: int, *, start: int = 1) -> list:
    """Participants ``start`` … ``start + count - 1``."""
    return [participant(n) for n in range(start, start + count)]


def visitor():
    """The demo visitor, who signs in with the demo password to try everything."""
    return user(VISITOR_EMAIL, "Citoyenne (démo)", password=DEMO_PASSWORD)


def body(slug: str, name_fr: str, *, name_en: str = "", acronym: str = ""):
    """The public body ``slug`` as it is, or a new one flagged as demo content."""
    try:
        return core_services.organisation_get(slug=slug)
    except core_services.NotFound:
        return core_services.organisation_upsert(slug=slug, name_fr=name_fr, name_en=name_en, acronym=acronym,
                                                 kind="public_body", is_demo=True)
