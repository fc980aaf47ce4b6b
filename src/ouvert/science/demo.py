"""Demo content of the science module (``ouvert demo``, order 310, after the plan's demo which makes the SCT,
owner of the platform's open data).

What it loads, everything through the module's services (so the audit log, the verdicts, the search index,
the e-mails and the open dataset are the real ones), every row that has the flag marked ``is_demo``:

- the Fonds de recherche du Québec (``frq``) and its three funds, each with the two versions of its policy:
  2019 (open within 12 months, any licence; an open-access journal or a repository) and the 2022 revision
  (immediate open access under CC BY or CC BY-ND — or CC BY-SA, CC0 —; a journal, a repository or rights
  retention; competitions launched from 1 July 2022);
- the journal registry (28 real journals, ``data/demo/revues.csv``) and nine self-archiving policies
  (``data/demo/politiques_autoarchivage.csv``), both through the CSV import services;
- four universities (``udem``, ``ulaval``, ``mcgill``, ``uqam``) and the demo accounts (password
  ``demo-ouvert-2021``): ``libre-acces.frq@…`` (FRQ editor: manages the policy, the registries, the FAQ,
  the webinars), ``bibliotheque.udem@…`` (UdeM editor: declares and imports for UdeM),
  ``chercheuse@…`` and ``chercheur@…`` (researchers, no role), ``etudiante.udem@…`` (a doctoral student who
  waits for a seat at a webinar), all ``@demo.ouvert.local``; the FRQ's funds are first created by the
  platform's demo administrator ``admin@demo.ouvert.local`` (the FRQ's staff become science managers once
  a fund belongs to the FRQ);
- 40 publications (2020–2026, the three funds, the four universities): declared with the form service by
  the researchers, the library and the FRQ, or imported by the library from ``data/demo/publications_udem.csv``;
  competitions on both sides of 1 July 2022, every verdict (compliant, not compliant, unknown) and every
  route the policies enable (journal, repository, rights retention); a deposit missing long after its
  deadline (not compliant) and one missing for a publication of twelve days ago (unknown: not due yet);
  one withdrawn (a deleted OAI-PMH record);
  DOIs under the test prefix ``10.5555/``; ORCIDs of the form ``0000-0000-0000-nnnC``: valid check digits,
  outside the ranges ORCID assigns, so nobody's;
- a repository « Papyrus — Université de Montréal (démo) » (not harvested periodically: the demo has no
  network) harvested once from ``data/demo/papyrus_listrecords.xml`` by ``oai_client.harvest_document``,
  the harvester's own parsing, storing and matching: deposits matched by DOI, one by title, one unmatched,
  one deleted;
- a reminder sent by the FRQ to the corresponding author of a non-compliant publication;
- the FAQ (12 questions in four sections, French and English) and four webinars: two past ones (attendance
  marked, recording and slides), two to come (one full, capacity 3, with a waiting list);
- the open dataset of the registry refreshed in the catalogue.

Idempotent and resumable: each step looks for what it makes (funds and versions by code, journals by ISSN,
publications by DOI or title, the repository and FAQ entries and webinars by slug) and makes only what is
missing, each in its own transaction; when everything is there: « science ouverte : déjà chargée ».
"""

from __future__ import annotations

import datetime
from pathlib import Path

import time_machine
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ouvert.core import services as core_services
from ouvert.core.models import Membership
from ouvert.core.montreal import MONTREAL

from . import faq, oai_client, policy, registry, webinars
from .models import (
    ArchivingPolicy,
    Deposit,
    FaqEntry,
    Fund,
    HarvestRun,
    Journal,
    PolicyVersion,
    Publication,
    Registration,
    Reminder,
    RepositorySource,
    Webinar,
)

DATA = Path(__file__).parent / "data" / "demo"
DEMO_PASSWORD = "demo-ouvert-2021"

ADMIN = "admin@demo.ouvert.local"
FRQ_STAFF = "libre-acces.frq@demo.ouvert.local"
LIBRARY = "bibliotheque.udem@demo.ouvert.local"
CHERCHEUSE = "chercheuse@demo.ouvert.local"
CHERCHEUR = "chercheur@demo.ouvert.local"
STUDENT = "etudiante.udem@demo.ouvert.local"

#: (e-mail, full name)
PEOPLE = [
    (ADMIN, "Administratrice (démo)"),
    (FRQ_STAFF, "Équipe libre accès FRQ (démo)"),
    (LIBRARY, "Bibliothèques UdeM — soutien au libre accès (démo)"),
    (CHERCHEUSE, "Émilie Tremblay (démo)"),
    (CHERCHEUR, "Marc-André Gagnon (démo)"),
    (STUDENT, "Léa Bouchard (démo)"),
]

FRQ = {"slug": "frq", "name_fr": "Fonds de recherche du Québec", "name_en": "Fonds de recherche du Québec",
       "acronym": "FRQ", "website": "https://frq.gouv.qc.ca/", "kind": "public_body"}

UNIVERSITIES = [
    {"slug": "udem", "name_fr": "Université de Montréal", "name_en": "Université de Montréal", "acronym": "UdeM",
     "website": "https://www.umontreal.ca/"},
    {"slug": "ulaval", "name_fr": "Université Laval", "name_en": "Université Laval", "acronym": "ULaval",
     "website": "https://www.ulaval.ca/"},
    {"slug": "mcgill", "name_fr": "Université McGill", "name_en": "McGill University", "acronym": "McGill",
     "website": "https://www.mcgill.ca/"},
    {"slug": "uqam", "name_fr": "Université du Québec à Montréal", "name_en": "Université du Québec à Montréal",
     "acronym": "UQAM", "website": "https://uqam.ca/"},
]

FUNDS = [
    {"slug": "frqnt", "acronym": "FRQNT", "name_fr": "Fonds de recherche du Québec — Nature et technologies",
     "name_en": "Fonds de recherche du Québec — Nature and Technologies",
     "url": "https://frq.gouv.qc.ca/nature-et-technologies/", "position": 1},
    {"slug": "frqs", "acronym": "FRQS", "name_fr": "Fonds de recherche du Québec — Santé",
     "name_en": "Fonds de recherche du Québec — Health", "url": "https://frq.gouv.qc.ca/sante/", "position": 2},
    {"slug": "frqsc", "acronym": "FRQSC", "name_fr": "Fonds de recherche du Québec — Société et culture",
     "name_en": "Fonds de recherche du Québec — Society and Culture",
     "url": "https://frq.gouv.qc.ca/societe-et-culture/", "position": 3},
]

POLICY_URL = "https://frq.gouv.qc.ca/science-ouverte/politique-diffusion-2022/"

RIGHTS_RETENTION_FR = (
    "Ce travail a été financé par les Fonds de recherche du Québec. À des fins de libre accès, l'auteur ou "
    "l'autrice a appliqué une licence Creative Commons Attribution (CC BY) à toute version du manuscrit accepté "
    "pour publication découlant de cette soumission.")
RIGHTS_RETENTION_EN = (
    "This research was funded by the Fonds de recherche du Québec. For the purpose of open access, the author "
    "has applied a Creative Commons Attribution (CC BY) licence to any Author Accepted Manuscript version "
    "arising from this submission.")

POLICY_VERSIONS = [
    {
        "code": "2019",
        "title_fr": "Politique de diffusion en libre accès (2019)",
        "title_en": "Open Access Policy (2019)",
        "effective_from": datetime.date(2019, 4, 1),
        "max_embargo_months": 12,
        "licences": [],
        "routes": {"journal": {}, "repository": {"versions": ["accepted", "published"]}},
        "url": POLICY_URL,
        "summary_fr": (
            "Les articles révisés par les pairs issus d'une recherche financée par les FRQ doivent être en libre "
            "accès **au plus tard 12 mois** après leur publication.\n\n"
            "Deux façons de s'y conformer :\n\n"
            "1. **publier dans une revue en libre accès** (l'article est ouvert dès sa publication) ;\n"
            "2. **déposer le manuscrit accepté ou la version publiée** dans un dépôt ouvert (celui de votre "
            "établissement ou un dépôt disciplinaire), ouvert au plus tard 12 mois après la publication.\n\n"
            "Aucune licence particulière n'est exigée."),
        "summary_en": (
            "Peer-reviewed articles from research funded by the FRQ must be open access **within 12 months** of "
            "publication.\n\n"
            "Two ways to comply:\n\n"
            "1. **publish in an open-access journal** (the article is open from publication);\n"
            "2. **deposit the accepted manuscript or the published version** in an open repository (your "
            "institution's or a disciplinary one), open at the latest 12 months after publication.\n\n"
            "No particular licence is required."),
    },
    {
        "code": "2022",
        "title_fr": "Politique de diffusion en libre accès (révisée en 2022)",
        "title_en": "Open Access Policy (revised in 2022)",
        "effective_from": datetime.date(2022, 7, 1),
        "max_embargo_months": 0,
        "licences": ["CC-BY-4.0", "CC-BY-ND-4.0", "CC-BY-SA-4.0", "CC0-1.0"],
        "routes": {"journal": {}, "repository": {"versions": ["accepted", "published"]}, "rights_retention": {}},
        "url": POLICY_URL,
        "rights_retention_fr": RIGHTS_RETENTION_FR,
        "rights_retention_en": RIGHTS_RETENTION_EN,
        "summary_fr": (
            "La politique révisée s'applique aux concours lancés à partir du 1er juillet 2022, et pleinement à "
            "partir du 1er juillet 2023. Les articles révisés par les pairs doivent être en **libre accès "
            "immédiat**, dès leur publication, sans embargo, sous une licence **CC BY** ou **CC BY-ND** (ou une "
            "licence équivalente ou plus ouverte : CC BY-SA, CC0).\n\n"
            "Deux façons de s'y conformer :\n\n"
            "1. **publier dans une revue ou sur une plateforme en libre accès**, sous l'une de ces licences ;\n"
            "2. **déposer le manuscrit accepté** (ou la version publiée) dans un dépôt ouvert dès la publication, "
            "sous l'une de ces licences. Pour garder ce droit, inscrivez la **formule de rétention des droits** "
            "dans votre soumission : elle prime sur un contrat d'édition signé ensuite."),
        "summary_en": (
            "The revised policy applies to competitions launched from 1 July 2022, and fully from 1 July 2023. "
            "Peer-reviewed articles must be **immediately open access**, from publication, with no embargo, under "
            "a **CC BY** or **CC BY-ND** licence (or an equivalent or more open licence: CC BY-SA, CC0).\n\n"
            "Two ways to comply:\n\n"
            "1. **publish in an open-access journal or platform**, under one of these licences;\n"
            "2. **deposit the accepted manuscript** (or the published version) in an open repository on "
            "publication, under one of these licences. To keep that right, put the **rights-retention "
            "statement** in your submission: it prevails over a publishing agreement signed later."),
    },
]


# --- People and publications --------------------------------------------------------------------

def orcid(n: int) -> str:
    """A demo ORCID ``0000-0000-0000-nnnC`` with its ISO 7064 11,2 check digit: valid, but outside the
    blocks ORCID assigns (0000-0001-5… to 0000-0003-5…, 0009-…), so nobody's."""
    base = f"000000000000{n:03d}"
    total = 0
    for digit in base:
        total = (total + int(digit)) * 2
    check = (12 - total % 11) % 11
    digits = base + ("X" if check == 10 else str(check))
    return "-".join(digits[i:i + 4] for i in range(0, 16, 4))


#: Authors: key → (name, ORCID number or None, e-mail or "")
AUTHORS = {
    "tremblay": ("Émilie Tremblay", 101, CHERCHEUSE),
    "gagnon": ("Marc-André Gagnon", 102, CHERCHEUR),
    "nguyen": ("Sophie Nguyen", 103, "sophie.nguyen@demo.ouvert.local"),
    "benali": ("Karim Benali", 104, "karim.benali@demo.ouvert.local"),
    "roy": ("Isabelle Roy", 105, "isabelle.roy@demo.ouvert.local"),
    "cote": ("Jean-François Côté", 106, "jean-francois.cote@demo.ouvert.local"),
    "diallo": ("Amina Diallo", 107, "amina.diallo@demo.ouvert.local"),
    "bergeron": ("Lucas Bergeron", None, ""),
    "fortin": ("Hélène Fortin", 109, "helene.fortin@demo.ouvert.local"),
    "okafor": ("Daniel Okafor", 110, "daniel.okafor@demo.ouvert.local"),
    "lavoie": ("Camille Lavoie", 111, "camille.lavoie@demo.ouvert.local"),
    "pelletier": ("Mathieu Pelletier", None, ""),
    "raman": ("Priya Raman", 113, "priya.raman@demo.ouvert.local"),
    "morin": ("Olivier Morin", 114, "olivier.morin@demo.ouvert.local"),
    "bouchard": ("Nadia Bouchard", None, ""),
    "leblanc": ("Thomas Leblanc", 116, "thomas.leblanc@demo.ouvert.local"),
}

AFFILIATIONS = {"udem": "Université de Montréal", "ulaval": "Université Laval", "mcgill": "Université McGill",
                "uqam": "Université du Québec à Montréal"}

#: Journals by short name: (title as declared, ISSN, publisher)
J = {
    "plosone": ("PLOS ONE", "1932-6203", "Public Library of Science"),
    "plosbio": ("PLOS Biology", "1545-7885", "Public Library of Science"),
    "plosmed": ("PLOS Medicine", "1549-1676", "Public Library of Science"),
    "elife": ("eLife", "2050-084X", "eLife Sciences Publications"),
    "bmjopen": ("BMJ Open", "2044-6055", "BMJ Publishing Group"),
    "srep": ("Scientific Reports", "2045-2322", "Springer Nature"),
    "ncomms": ("Nature Communications", "2041-1723", "Springer Nature"),
    "bmcph": ("BMC Public Health", "1471-2458", "BioMed Central"),
    "frontpsy": ("Frontiers in Psychology", "1664-1078", "Frontiers Media"),
    "remote": ("Remote Sensing", "2072-4292", "MDPI"),
    "sustain": ("Sustainability", "2071-1050", "MDPI"),
    "jmir": ("Journal of Medical Internet Research", "1438-8871", "JMIR Publications"),
    "cjb": ("Revue canadienne de bioéthique / Canadian Journal of Bioethics", "2561-4665",
            "Programmes de bioéthique de l'Université de Montréal"),
    "nature": ("Nature", "0028-0836", "Springer Nature"),
    "science": ("Science", "0036-8075", "American Association for the Advancement of Science"),
    "cell": ("Cell", "0092-8674", "Elsevier"),
    "lancet": ("The Lancet", "0140-6736", "Elsevier"),
    "ssm": ("Social Science & Medicine", "0277-9536", "Elsevier"),
    "nejm": ("The New England Journal of Medicine", "0028-4793", "Massachusetts Medical Society"),
    "pnas": ("Proceedings of the National Academy of Sciences", "0027-8424", "National Academy of Sciences"),
    "prl": ("Physical Review Letters", "0031-9007", "American Physical Society"),
    "est": ("Environmental Science & Technology", "0013-936X", "American Chemical Society"),
    "gcb": ("Global Change Biology", "1354-1013", "Wiley"),
    "cjfas": ("Canadian Journal of Fisheries and Aquatic Sciences", "0706-652X", "Canadian Science Publishing"),
    "jfm": ("Journal of Fluid Mechanics", "0022-1120", "Cambridge University Press"),
    "rse": ("Revue des sciences de l'éducation", "0318-479X", "Revue des sciences de l'éducation"),
    "cgq": ("Cahiers de géographie du Québec", "0007-9766", "Département de géographie de l'Université Laval"),
}

PAPYRUS = "https://papyrus.demo.ouvert.local/handle/1866/"
CORPUS = "https://corpus.demo.ouvert.local/handle/20.500.11794/"
ESCHOLARSHIP = "https://escholarship.demo.ouvert.local/concern/articles/"
ARCHIPEL = "https://archipel.demo.ouvert.local/id/eprint/"


def _d(text: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(text) if text else None


# Each publication: who declares it (chercheuse, chercheur, library, frq; the library's CSV import is in
# data/demo/publications_udem.csv), its DOI suffix (10.5555/frq-demo.<n>; None: no DOI), title, journal,
# date, licence, deposit (version, address, deposited, open from, licence), funds (fund, grant, competition
# launched), institution, authors (the first with a star is the corresponding author), and what it shows.
#: A publication date twelve days before the demo is loaded: its deposit is not overdue yet.
RECENT = (datetime.date.today() - datetime.timedelta(days=12)).isoformat()

PUBLICATIONS = [
    # --- The 2019 policy (competitions launched before 1 July 2022) ---
    dict(n=1, by="frq", title="Single-cell atlas of the developing human hypothalamus", journal="plosbio",
         published="2020-10-08", licence="CC BY 4.0", funds=[("frqs", "S-2019-284511", "2019-09-01")],
         institution="mcgill", authors=["raman*", "okafor"]),  # gold, compliant (2019)
    dict(n=2, by="chercheuse", title="Dynamique des glaces de lac dans le Nunavik sous un climat en réchauffement",
         journal="nature", published="2021-03-18",
         deposit=("accepted", CORPUS + "68213", "2021-09-20", None, ""),
         funds=[("frqnt", "NT-2020-279310", "2020-04-15")], institution="ulaval",
         authors=["tremblay*", "bergeron"]),  # repository after 6 months, any licence: compliant (2019)
    dict(n=4, by="frq", title="Precarious employment and mental health among young adults in Quebec: a cohort study",
         journal="bmjopen", published="2021-08-30", licence="CC BY-NC 4.0",
         funds=[("frqsc", "SC-2021-290177", "2021-02-01")], institution="uqam",
         authors=["diallo*", "bouchard"]),  # gold CC BY-NC: compliant under 2019 (any licence)
    dict(n=5, by="chercheur", title="Observation of a topological phase transition in twisted bilayer graphene",
         journal="prl", published="2022-10-13",
         deposit=("accepted", CORPUS + "70452", "2023-08-10", None, "CC BY 4.0"),
         funds=[("frqnt", "NT-2021-295402", "2021-05-01")], institution="ulaval",
         authors=["gagnon*", "pelletier"]),  # 10 months later: compliant under 2019 (see n=25 under 2022)
    dict(n=7, by="frq", title="Boreal forest carbon sinks under intensifying fire regimes", journal="gcb",
         published="2022-05-09", funds=[("frqnt", "NT-2020-281944", "2020-10-01")], institution="mcgill",
         authors=["okafor*", "raman"]),  # no deposit known, 12 months and the grace long past: not compliant
    dict(n=8, by="library", doi=None,
         title="Les îlots de chaleur urbains à Montréal : inégalités sociales et verdissement des quartiers",
         journal="cgq", published="2022-11-02", funds=[("frqsc", "SC-2021-296610", "2021-09-15")],
         institution="udem", authors=["cote*", "lavoie"]),  # no DOI: its Papyrus deposit is matched by title
    dict(n=10, by="frq", title="Le sentiment de compétence des enseignantes du primaire en éducation inclusive",
         journal="rse", published="2020-05-12", deposit=("", ARCHIPEL + "13377", "2020-11-20", None, ""),
         funds=[("frqsc", "SC-2018-262203", None)], institution="uqam", authors=["bouchard*", "diallo"]),
    # no competition date: the publication date chooses 2019; the deposit's version is not given: unknown
    # --- The 2022 policy (competitions launched from 1 July 2022) ---
    dict(n=11, by="chercheuse", title="Microplastiques dans les eaux de surface du fleuve Saint-Laurent : "
         "distribution et sources", journal="plosone", published="2023-09-27", licence="CC BY 4.0",
         funds=[("frqs", "S-2022-309117", "2022-09-15")], institution="ulaval",
         authors=["tremblay*", "fortin"]),  # gold CC BY: compliant
    dict(n=12, by="frq", title="A hippocampal circuit for flexible spatial memory in mice", journal="elife",
         published="2024-02-13", licence="CC BY 4.0", funds=[("frqs", "S-2022-310842", "2022-10-01")],
         institution="mcgill", authors=["raman*", "leblanc"]),
    dict(n=13, by="chercheur", title="Cartographie des tourbières du Québec boréal par imagerie Sentinel-2",
         journal="remote", published="2023-12-05", licence="CC BY 4.0",
         funds=[("frqnt", "NT-2022-308520", "2022-08-15")], institution="ulaval", authors=["gagnon*", "tremblay"]),
    dict(n=14, by="frq", title="Quantum-limited amplification with superconducting kinetic-inductance circuits",
         journal="ncomms", published="2024-07-16", licence="CC BY 4.0",
         funds=[("frqnt", "NT-2023-315907", "2023-05-01")], institution="mcgill", authors=["leblanc*", "okafor"]),
    dict(n=15, by="frq", title="Bilingual children's executive functions: a longitudinal study in Montreal schools",
         journal="frontpsy", published="2024-04-22", licence="CC BY 4.0",
         funds=[("frqsc", "SC-2023-312260", "2023-01-15")], institution="uqam", authors=["diallo*", "morin"]),
    dict(n=16, by="library", title="Le consentement éclairé en recherche pédiatrique : enjeux éthiques au Québec",
         journal="cjb", published="2024-10-07", licence="CC BY 4.0",
         funds=[("frqs", "S-2023-313574", "2023-03-01"), ("frqsc", "SC-2023-313575", "2023-03-01")],
         institution="udem", authors=["lavoie*", "cote", "nguyen"]),  # two funds
    dict(n=19, by="frq", title="Thermal tolerance of brook trout populations in Quebec headwater streams",
         journal="cjfas", published="2024-11-19",
         deposit=("accepted", ESCHOLARSHIP + "k930c219", "2024-11-19", None, "CC BY 4.0"),
         funds=[("frqnt", "NT-2023-319066", "2023-09-01")], institution="mcgill",
         authors=["okafor*", "bergeron"]),  # repository at once (no publisher policy known): compliant
    dict(n=20, by="chercheur", title="Instabilités de Kelvin-Helmholtz dans les écoulements stratifiés en rotation",
         journal="jfm", published="2025-05-14",
         deposit=("accepted", CORPUS + "73118", "2025-05-14", None, "CC BY 4.0"),
         funds=[("frqnt", "NT-2024-321780", "2024-01-15")], institution="ulaval",
         authors=["gagnon*", "pelletier"]),  # publisher allows the manuscript at once: repository, compliant
    dict(n=22, by="frq", title="Genomic signatures of adaptation to urban heat islands in a common insect",
         journal="science", published="2024-06-06",
         deposit=("accepted", ESCHOLARSHIP + "w37638k91", "2024-06-06", None, "CC BY 4.0"),
         funds=[("frqnt", "NT-2023-314420", "2023-02-01")], institution="mcgill",
         authors=["leblanc*", "raman"]),  # rights retention (the publisher asks 6 months)
    dict(n=23, by="frq", title="Metabolic rewiring of T cells in chronic viral infection", journal="cell",
         published="2024-03-21",
         deposit=("accepted", ESCHOLARSHIP + "x633f421b", "2024-03-21", None, "CC BY-NC-ND 4.0"),
         funds=[("frqs", "S-2022-311903", "2022-12-01")], institution="mcgill",
         authors=["raman*", "okafor"]),  # CC BY-NC-ND: not compliant (2022) — the FRQ remind its author
    dict(n=24, by="chercheuse", title="Télésoins infirmiers en région éloignée : essai randomisé pragmatique",
         journal="bmjopen", published="2024-08-29", licence="CC BY-NC 4.0",
         deposit=("published", CORPUS + "71960", "2024-08-29", None, "CC BY-NC 4.0"),
         funds=[("frqs", "S-2023-314988", "2023-04-01")], institution="ulaval",
         authors=["tremblay*", "fortin"]),  # CC BY-NC: not compliant (2022)
    dict(n=26, by="frq", title="Food insecurity and access to community services among older adults in Montreal",
         journal="ssm", published="2024-09-17",
         deposit=("accepted", ARCHIPEL + "18204", "2025-03-20", None, "CC BY 4.0"),
         funds=[("frqsc", "SC-2023-313260", "2023-02-15")], institution="uqam",
         authors=["morin*", "diallo"]),  # six months late: not compliant (2022)
    dict(n=27, by="frq", title="L'évaluation formative au secondaire : pratiques déclarées et perceptions des élèves",
         journal="rse", published=None, funds=[("frqsc", "SC-2024-320145", "2024-02-01")], institution="uqam",
         authors=["bouchard*", "morin"]),  # no publication date (in press): unknown
    dict(n=28, by="library", title="Antibiotic prescribing in Quebec primary care before and after a stewardship "
         "intervention", journal="plosmed", published="2025-01-30",
         funds=[("frqs", "S-2023-318830", "2023-10-01")], institution="udem",
         authors=["nguyen*", "benali"]),  # licence not given: unknown
    dict(n=32, by="library", title="Neural basis of reward learning in the human orbitofrontal cortex",
         journal="nature", published="2025-09-04", funds=[("frqs", "S-2024-322417", "2024-03-01")],
         institution="udem", authors=["benali*", "nguyen"]),  # its Papyrus copy is embargoed: not compliant
    dict(n=33, by="chercheuse", title="Économie circulaire et gestion des matières résiduelles dans les "
         "municipalités rurales", journal="sustain", published="2026-02-10", licence="CC BY 4.0",
         funds=[("frqsc", "SC-2024-323358", "2024-05-01")], institution="ulaval", authors=["tremblay*", "gagnon"]),
    dict(n=34, by="chercheur", title="Une application mobile pour l'autogestion de la douleur chronique : étude "
         "de faisabilité", journal="jmir", published="2026-04-21", licence="CC BY 4.0",
         funds=[("frqs", "S-2024-323901", "2024-06-01")], institution="ulaval", authors=["gagnon*", "fortin"]),
    dict(n=35, by="frq", title="Semaglutide and cardiovascular outcomes in adults with type 1 diabetes",
         journal="nejm", published=RECENT, funds=[("frqs", "S-2024-322006", "2024-01-10")],
         institution="mcgill", authors=["okafor*", "leblanc"]),  # published days ago, no copy known yet: unknown
    dict(n=36, by="frq", title="Attachment security and social media use in adolescence", journal="frontpsy",
         published="2026-08-25", licence="CC BY 4.0", funds=[("frqsc", "SC-2024-325512", "2024-09-01")],
         institution="uqam", authors=["morin*", "diallo"]),
    dict(n=37, by="library", title="Vaccine hesitancy among parents in Quebec: a mixed-methods study",
         journal="bmcph", published="2025-03-11", licence="CC BY 4.0",
         funds=[("frqs", "S-2023-317702", "2023-06-01")], institution="udem",
         authors=["nguyen*", "lavoie"]),  # declared twice: withdrawn (a deleted OAI-PMH record)
    dict(n=38, by="frq", title="Per- and polyfluoroalkyl substances in Quebec drinking water sources",
         journal="est", published="2023-02-14",
         deposit=("accepted", ESCHOLARSHIP + "r207tp32d", "2023-02-14", None, "CC BY 4.0"),
         funds=[("frqnt", "NT-2022-307731", "2022-07-15")], institution="mcgill",
         authors=["leblanc*", "okafor"]),  # rights retention (the publisher asks 12 months)
    dict(n=40, by="chercheuse", title="Réseaux de neurones informés par la physique pour la prévision des crues",
         journal="srep", published="2026-09-08", licence="CC BY 4.0",
         funds=[("frqnt", "NT-2025-327046", "2025-01-15")], institution="ulaval", authors=["tremblay*", "gagnon"]),
]

#: The library's import (data/demo/publications_udem.csv): DOI suffixes it holds.
IMPORTED = [3, 6, 9, 17, 18, 21, 25, 29, 30, 31, 39]
WITHDRAWN = 37
WITHDRAW_REASON = ("Déclarée en double : le même article figure déjà au registre sous son DOI corrigé "
                   "(10.5555/frq-demo.18).")
REMINDED = 23


def doi(n: int) -> str:
    return f"10.5555/frq-demo.{n}"


def _authors(keys: list[str], institution: str) -> list[dict]:
    rows = []
    for key in keys:
        name, number, email = AUTHORS[key.rstrip("*")]
        star = key.endswith("*")
        rows.append({"name": name, "orcid": orcid(number) if number else "", "affiliation": AFFILIATIONS[institution],
                     "is_corresponding": star, "email": email if star else ""})
    return rows


def _data(spec: dict) -> dict:
    title, issn, publisher = J[spec["journal"]]
    data = {"doi": doi(spec["n"]) if spec.get("doi", True) is not None else "", "title": spec["title"],
            "journal_title": title, "issn": issn, "publisher": publisher, "published_on": spec["published"] or "",
            "licence": spec.get("licence", ""), "institution": spec["institution"],
            "authors": _authors(spec["authors"], spec["institution"]),
            "fundings": [{"fund": fund, "grant_number": grant, "competition_date": launched or ""}
                         for fund, grant, launched in spec["funds"]]}
    if spec.get("deposit"):
        version, url, deposited, open_on, licence = spec["deposit"]
        data.update(version_deposited=version, repository_url=url, deposited_on=deposited,
                    deposit_open_on=open_on or "", deposit_licence=licence)
    return data


# --- Steps ---------------------------------------------------------------------------------------

def _write(stdout, text: str) -> None:
    if stdout is not None:
        stdout.write(text + "\n")


def _person(email: str, full_name: str, password_hash: str, **extra):
    """A new account with the demo password, hashed once for all the new accounts (each hash costs about a
    second, on purpose)."""
    user = core_services.user_upsert(email=email, password=None, full_name=full_name, **extra)
    type(user).objects.filter(pk=user.pk).update(password=password_hash)
    user.password = password_hash
    return user


def _people() -> dict:
    from django.contrib.auth.hashers import make_password

    people = {}
    password_hash = None
    for email, name in PEOPLE:
        try:
            people[email] = core_services.user_get_by_email(email=email)
            continue
        except core_services.NotFound:
            password_hash = password_hash or make_password(DEMO_PASSWORD)
        people[email] = _person(email, name, password_hash, **({"is_superuser": True} if email == ADMIN else {}))
    return people


def _organisations(people) -> dict:
    orgs = {}
    for spec in [FRQ, *[{**u, "kind": "university"} for u in UNIVERSITIES]]:
        try:
            orgs[spec["slug"]] = core_services.organisation_get(slug=spec["slug"])
        except core_services.NotFound:
            orgs[spec["slug"]] = core_services.organisation_upsert(is_demo=True, **spec)
    for email, slug in ((FRQ_STAFF, "frq"), (LIBRARY, "udem")):
        if not core_services.user_has_role(people[email], orgs[slug].pk):
            core_services.membership_set(user=people[email], organisation=orgs[slug], role=Membership.Role.EDITOR)
    return orgs


def _funds(people, orgs) -> dict:
    funds = {}
    for spec in FUNDS:
        fund = Fund.objects.filter(slug=spec["slug"]).first()
        if fund is None:
            fund = policy.fund_create(actor=people[ADMIN], data=spec)
            # The fund's organisation is set in the Django admin (no service takes it): the FRQ's staff manage it.
            Fund.objects.filter(pk=fund.pk).update(organisation=orgs["frq"], is_demo=True)
            fund.refresh_from_db()
        funds[spec["slug"]] = fund
    for fund in funds.values():
        for spec in POLICY_VERSIONS:
            if not PolicyVersion.objects.filter(fund=fund, code=spec["code"]).exists():
                version = policy.policy_version_create(actor=people[FRQ_STAFF], fund=fund, data=spec)
                PolicyVersion.objects.filter(pk=version.pk).update(is_demo=True)
    return funds


def _journal_issns() -> list[str]:
    from . import csvfile

    table = csvfile.read((DATA / "revues.csv").read_bytes())
    return [row["issn electronique"] or row["issn imprime"] for _line, row in table.rows]


def _registries(people) -> tuple[int, int]:
    issns = _journal_issns()
    known = Journal.objects.filter(Q(issn_electronic__in=issns) | Q(issn_print__in=issns))
    if known.count() < len(issns):
        policy.journals_import(actor=people[FRQ_STAFF], data=(DATA / "revues.csv").read_bytes(), filename="revues.csv")
    known.update(is_demo=True)
    archiving = (DATA / "politiques_autoarchivage.csv").read_bytes()
    rows = archiving.decode("utf-8").strip().count("\n")
    if ArchivingPolicy.objects.filter(is_demo=True).count() < rows:
        before = set(ArchivingPolicy.objects.values_list("pk", flat=True))
        policy.archiving_policies_import(actor=people[FRQ_STAFF], data=archiving,
                                         filename="politiques_autoarchivage.csv")
        ArchivingPolicy.objects.exclude(pk__in=before).update(is_demo=True)
    return known.count(), ArchivingPolicy.objects.filter(is_demo=True).count()


def _declarer(people, by: str):
    return {"chercheuse": people[CHERCHEUSE], "chercheur": people[CHERCHEUR], "library": people[LIBRARY],
            "frq": people[FRQ_STAFF]}[by]


def _find(spec: dict) -> Publication | None:
    if spec.get("doi", True) is None:
        return Publication.objects.filter(doi=None, title=spec["title"]).first()
    return Publication.objects.filter(doi=doi(spec["n"])).first()


def _publications(people) -> int:
    created = 0
    for spec in PUBLICATIONS:
        if _find(spec) is not None:
            continue
        publication = registry.publication_create(actor=_declarer(people, spec["by"]), data=_data(spec))
        Publication.objects.filter(pk=publication.pk).update(is_demo=True)
        created += 1
    dois = [doi(n) for n in IMPORTED]
    if Publication.objects.filter(doi__in=dois).count() < len(dois):
        report = registry.publication_import(actor=people[LIBRARY],
                                             data=(DATA / "publications_udem.csv").read_bytes())
        created += report["created"]
    Publication.objects.filter(doi__in=dois).update(is_demo=True)
    withdrawn = Publication.objects.get(doi=doi(WITHDRAWN))
    if withdrawn.withdrawn_at is None:
        registry.publication_withdraw(actor=people[LIBRARY], publication=withdrawn, reason=WITHDRAW_REASON)
    return created


PAPYRUS_SOURCE = {"slug": "papyrus-demo", "name": "Papyrus — Université de Montréal (démo)",
                  "base_url": "https://papyrus.demo.ouvert.local/oai/request", "metadata_prefix": "oai_dc",
                  "organisation": "udem", "is_active": False, "every_hours": 24}


def _harvest(people) -> HarvestRun:
    source = RepositorySource.objects.filter(slug=PAPYRUS_SOURCE["slug"]).first()
    if source is None:
        source = oai_client.repository_create(actor=people[FRQ_STAFF], data=PAPYRUS_SOURCE)
        RepositorySource.objects.filter(pk=source.pk).update(is_demo=True)
        source.refresh_from_db()
    run = HarvestRun.objects.filter(source=source, status=HarvestRun.Status.DONE).first()
    if run is None:
        run = oai_client.harvest_document(actor=people[FRQ_STAFF], source=source,
                                          body=(DATA / "papyrus_listrecords.xml").read_bytes())
    return run


def _reminder(people) -> int:
    publication = Publication.objects.get(doi=doi(REMINDED))
    if Reminder.objects.filter(publication=publication).exists():
        return 0
    return registry.reminders_send(actor=people[FRQ_STAFF], publication_ids=[publication.pk])["sent"]


# --- FAQ -----------------------------------------------------------------------------------------

POLICY_CAT = ("La politique", "The policy")
PUBLISH_CAT = ("Publier en libre accès", "Publishing open access")
DEPOSIT_CAT = ("Déposer", "Depositing")
RIGHTS_CAT = ("Licences et droits", "Licences and rights")

FAQ = [
    (POLICY_CAT, "libre-acces-immediat",
     "Que veut dire « libre accès immédiat » ?",
     "What does “immediate open access” mean?",
     "Votre article doit pouvoir être lu gratuitement par tout le monde, en ligne, **dès le jour de sa "
     "publication** — sans embargo — et sous une licence qui permet de le réutiliser (CC BY, ou CC BY-ND ; "
     "CC BY-SA et CC0 conviennent aussi). C'est ce qu'exige la politique révisée des FRQ pour les "
     "subventions des concours lancés à partir du 1er juillet 2022.",
     "Anyone must be able to read your article free of charge, online, **from the day it is published** — with "
     "no embargo — under a licence that allows reuse (CC BY, or CC BY-ND; CC BY-SA and CC0 are fine too). That "
     "is what the FRQ's revised policy requires for grants from competitions launched from 1 July 2022."),
    (POLICY_CAT, "quelle-version-s-applique",
     "Quelle version de la politique s'applique à mon article ?",
     "Which version of the policy applies to my article?",
     "Celle qui était en vigueur au **lancement du concours** de la subvention qui a financé la recherche : "
     "la politique de 2019 (libre accès dans les 12 mois) pour les concours lancés avant le 1er juillet 2022, "
     "la politique révisée (libre accès immédiat) pour les concours lancés ensuite. Si vous ne connaissez pas "
     "la date du concours, le registre se fie à la date de publication de l'article.",
     "The one in force when the **competition** of the grant that funded the research **was launched**: the "
     "2019 policy (open access within 12 months) for competitions launched before 1 July 2022, the revised "
     "policy (immediate open access) for those launched later. If you do not know the competition's date, "
     "the registry goes by the article's publication date."),
    (POLICY_CAT, "livres-et-theses",
     "Les livres, les chapitres et les thèses sont-ils visés ?",
     "Are books, chapters and theses covered?",
     "L'exigence de libre accès immédiat porte sur les **articles révisés par les pairs**. Les FRQ encouragent "
     "la diffusion ouverte des livres et des chapitres, sans l'exiger de la même façon ; les thèses et "
     "mémoires relèvent des règles de votre université (la plupart les déposent dans leur dépôt "
     "institutionnel). En cas de doute, consultez le texte de la politique ou écrivez à l'équipe du libre "
     "accès.",
     "The immediate open-access requirement applies to **peer-reviewed articles**. The FRQ encourage open "
     "dissemination of books and chapters without requiring it in the same way; theses and dissertations "
     "follow your university's rules (most deposit them in their institutional repository). When in doubt, "
     "read the policy's text or write to the open-access team."),
    (PUBLISH_CAT, "frais-de-publication",
     "Puis-je payer les frais de publication (APC) avec ma subvention ?",
     "Can I pay article processing charges (APCs) from my grant?",
     "Les frais de publication dans une **revue entièrement en libre accès** peuvent être payés avec la "
     "subvention, selon les Règles générales communes des FRQ (vérifiez-en la version à jour). Les frais "
     "d'une revue hybride (sur abonnement, avec option de libre accès payante) ne sont pas la voie "
     "privilégiée : déposer le manuscrit accepté avec la formule de rétention des droits est gratuit. "
     "Plusieurs universités ont aussi des ententes qui réduisent ou couvrent ces frais : renseignez-vous "
     "auprès de votre bibliothèque.",
     "Charges for publishing in a **fully open-access journal** may be paid from the grant, under the FRQ's "
     "Common General Rules (check their current version). A hybrid journal's fees (subscription journal with a "
     "paid open-access option) are not the preferred route: depositing the accepted manuscript with the "
     "rights-retention statement costs nothing. Several universities also have agreements that lower or cover "
     "these charges: ask your library."),
    (PUBLISH_CAT, "choisir-une-revue",
     "Comment savoir si une revue me permet de me conformer ?",
     "How do I know whether a journal lets me comply?",
     "Utilisez l'assistant **« Comment me conformer ? »** : choisissez votre fonds et tapez le titre ou "
     "l'ISSN de la revue. Il vous dit, voie par voie, si publier dans cette revue suffit, si vous pouvez "
     "déposer votre manuscrit et sous quelles conditions, ou s'il faut la formule de rétention des droits. "
     "Le répertoire des revues et les politiques d'autoarchivage des éditeurs sur lesquels il s'appuie sont "
     "aussi consultables.",
     "Use the **“How do I comply?”** assistant: choose your fund and type the journal's title or ISSN. It tells "
     "you, route by route, whether publishing in that journal is enough, whether you may deposit your "
     "manuscript and on what terms, or whether you need the rights-retention statement. The journal registry "
     "and the publishers' self-archiving policies it relies on can be browsed too."),
    (PUBLISH_CAT, "embargo-de-l-editeur",
     "L'éditeur impose un embargo de 12 mois sur le manuscrit : que faire ?",
     "The publisher imposes a 12-month embargo on the manuscript: what can I do?",
     "Sous la politique révisée, un embargo n'est plus permis. Deux solutions : choisir une revue en libre "
     "accès, ou **inscrire la formule de rétention des droits** dans votre soumission (lettre de présentation "
     "et remerciements). Vous pourrez alors déposer votre manuscrit accepté sous CC BY dès la publication, "
     "quel que soit l'embargo que l'éditeur annonce ensuite. Sous la politique de 2019, un embargo de 12 mois "
     "au plus restait acceptable.",
     "Under the revised policy an embargo is no longer allowed. Two ways out: choose an open-access journal, or "
     "**put the rights-retention statement** in your submission (cover letter and acknowledgements). You may "
     "then deposit your accepted manuscript under CC BY on publication, whatever embargo the publisher states "
     "later. Under the 2019 policy an embargo of up to 12 months was still acceptable."),
    (DEPOSIT_CAT, "quel-depot",
     "Dans quel dépôt déposer mon manuscrit ?",
     "Which repository should I deposit my manuscript in?",
     "Dans le **dépôt institutionnel** de votre université — Papyrus (Université de Montréal), Corpus UL "
     "(Université Laval), eScholarship@McGill, Archipel (UQAM) — ou dans un **dépôt disciplinaire** ouvert : "
     "arXiv, PubMed Central, HAL. Le registre moissonne les dépôts institutionnels : une copie qui y est "
     "déposée est retrouvée et rattachée à votre publication.",
     "In your university's **institutional repository** — Papyrus (Université de Montréal), Corpus UL "
     "(Université Laval), eScholarship@McGill, Archipel (UQAM) — or in an open **disciplinary repository**: "
     "arXiv, PubMed Central, HAL. The registry harvests the institutional repositories: a copy deposited there "
     "is found and linked to your publication."),
    (DEPOSIT_CAT, "quelle-version-deposer",
     "Quelle version de l'article dois-je déposer ?",
     "Which version of the article should I deposit?",
     "Le **manuscrit accepté** (la version finale après révision par les pairs, avant la mise en page de "
     "l'éditeur) ou la **version publiée** si l'éditeur le permet. La prépublication (version soumise) ne "
     "suffit pas.",
     "The **accepted manuscript** (the final version after peer review, before the publisher's layout) or the "
     "**published version** if the publisher allows it. The preprint (submitted version) is not enough."),
    (DEPOSIT_CAT, "declarer-ma-publication",
     "Comment déclarer ma publication au registre ?",
     "How do I declare my publication in the registry?",
     "Connectez-vous, puis « Déclarer une publication » : le DOI suffit souvent à remplir le formulaire. "
     "Indiquez le fonds et le numéro de subvention, la licence de l'article et, si vous avez déposé une "
     "copie, son adresse, sa version et sa licence. Le verdict de conformité s'affiche aussitôt, avec ses "
     "raisons. La bibliothèque de votre établissement peut aussi le faire pour vous.",
     "Sign in, then “Declare a publication”: the DOI is often enough to fill in the form. Give the fund and the "
     "grant number, the article's licence and, if you deposited a copy, its address, version and licence. The "
     "compliance verdict appears at once, with its reasons. Your institution's library can also do it for "
     "you."),
    (RIGHTS_CAT, "cc-by-ou-cc-by-nd",
     "Quelle différence entre CC BY et CC BY-ND ?",
     "What is the difference between CC BY and CC BY-ND?",
     "Les deux permettent à quiconque de lire, copier et redistribuer l'article, y compris à des fins "
     "commerciales, en citant les auteurs. **CC BY** permet en plus de l'adapter (le traduire, en reprendre "
     "des figures modifiées) ; **CC BY-ND** l'interdit. Les FRQ acceptent les deux ; une licence « NC » (pas "
     "d'usage commercial), comme CC BY-NC-ND, ne permet pas de se conformer à la politique révisée.",
     "Both let anyone read, copy and redistribute the article, commercial use included, with credit to the "
     "authors. **CC BY** also allows adapting it (translating it, reusing modified figures); **CC BY-ND** "
     "forbids that. The FRQ accept both; an “NC” licence (no commercial use), such as CC BY-NC-ND, does not let "
     "you comply with the revised policy."),
    (RIGHTS_CAT, "retention-des-droits",
     "Qu'est-ce que la rétention des droits, et quelle formule utiliser ?",
     "What is rights retention, and which statement should I use?",
     "C'est garder, avant de signer quoi que ce soit avec l'éditeur, le droit de diffuser votre manuscrit "
     "accepté sous licence CC BY. Inscrivez cette formule dans la soumission (remerciements et lettre de "
     "présentation) :\n\n> " + RIGHTS_RETENTION_FR + "\n\nL'éditeur qui accepte l'article le fait en "
     "connaissance de cause : vous pouvez déposer le manuscrit accepté dès la publication.",
     "It means keeping, before signing anything with the publisher, the right to share your accepted manuscript "
     "under a CC BY licence. Put this statement in the submission (acknowledgements and cover letter):\n\n> "
     + RIGHTS_RETENTION_EN + "\n\nA publisher that accepts the article does so knowingly: you may deposit the "
     "accepted manuscript on publication."),
    (RIGHTS_CAT, "contrat-d-edition",
     "J'ai déjà signé un contrat de cession de droits : suis-je en défaut ?",
     "I already signed a copyright transfer agreement: am I in breach?",
     "Pas forcément. Relisez le contrat : beaucoup d'éditeurs permettent de déposer le manuscrit accepté "
     "(parfois après un embargo). Si la formule de rétention des droits figurait dans votre soumission, elle "
     "s'applique. Sinon, écrivez à l'équipe du libre accès des FRQ ou à votre bibliothèque : elles vous "
     "aideront à trouver une solution, et le verdict du registre indique ce qui manque.",
     "Not necessarily. Read the agreement again: many publishers allow depositing the accepted manuscript "
     "(sometimes after an embargo). If the rights-retention statement was in your submission, it applies. "
     "Otherwise, write to the FRQ's open-access team or to your library: they will help you find a way, and "
     "the registry's verdict says what is missing."),
]


def _faq(people) -> int:
    created = 0
    for (category_fr, category_en), slug, question_fr, question_en, answer_fr, answer_en in FAQ:
        if FaqEntry.objects.filter(slug=slug).exists():
            continue
        entry = faq.faq_create(actor=people[FRQ_STAFF], data={
            "slug": slug, "category_fr": category_fr, "category_en": category_en, "question_fr": question_fr,
            "question_en": question_en, "answer_fr": answer_fr, "answer_en": answer_en, "is_published": True})
        FaqEntry.objects.filter(pk=entry.pk).update(is_demo=True)
        created += 1
    return created


# --- Webinars ------------------------------------------------------------------------------------

def _local(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=MONTREAL)


SPEAKERS = {
    "frq": {"name": "Julie Bérubé", "affiliation": "Fonds de recherche du Québec",
            "bio_fr": "Conseillère en science ouverte aux Fonds de recherche du Québec.",
            "bio_en": "Open science advisor at the Fonds de recherche du Québec."},
    "udem": {"name": "François Lemieux", "affiliation": "Bibliothèques de l'Université de Montréal",
             "bio_fr": "Bibliothécaire, responsable du soutien au libre accès et du dépôt Papyrus.",
             "bio_en": "Librarian in charge of open-access support and of the Papyrus repository."},
    "ulaval": {"name": "Geneviève Paquin", "affiliation": "Bibliothèque de l'Université Laval",
               "bio_fr": "Bibliothécaire spécialisée en communication savante.",
               "bio_en": "Librarian specialised in scholarly communication."},
    "mcgill": {"name": "Rachel Kim", "affiliation": "McGill University Library",
               "bio_fr": "Bibliothécaire en communication savante, eScholarship@McGill.",
               "bio_en": "Scholarly communications librarian, eScholarship@McGill."},
}

WEBINARS = [
    {"slug": "politique-revisee-ce-qui-change", "days": -40, "hour": 12, "minutes": 60, "capacity": 100,
     "language": "fr", "speakers": ["frq", "udem"],
     "title_fr": "La politique de libre accès révisée des FRQ : ce qui change",
     "title_en": "The FRQ's revised open-access policy: what changes",
     "description_fr": "Libre accès immédiat, licences acceptées, dates d'application : une heure pour faire le "
                       "tour de la politique révisée, avec une période de questions.",
     "description_en": "Immediate open access, accepted licences, when it applies: one hour on the revised "
                       "policy, with time for questions (in French).",
     "registrants": [CHERCHEUSE, CHERCHEUR, LIBRARY, STUDENT], "absent": [STUDENT]},
    {"slug": "deposer-son-manuscrit-accepte", "days": -12, "hour": 13, "minutes": 75, "capacity": 60,
     "language": "fr", "speakers": ["udem", "ulaval"],
     "title_fr": "Déposer son manuscrit accepté : Papyrus, Corpus UL, eScholarship@McGill et Archipel",
     "title_en": "Depositing your accepted manuscript: Papyrus, Corpus UL, eScholarship@McGill and Archipel",
     "description_fr": "Démonstration pas à pas d'un dépôt dans un dépôt institutionnel : la version à déposer, la "
                       "licence, la date d'ouverture, et comment le registre retrouve la copie.",
     "description_en": "A step-by-step deposit in an institutional repository: which version, which licence, "
                       "when it opens, and how the registry finds the copy (in French).",
     "registrants": [CHERCHEUSE, LIBRARY], "absent": []},
    {"slug": "retention-des-droits-en-pratique", "days": 9, "hour": 12, "minutes": 60, "capacity": 3,
     "language": "fr", "speakers": ["frq"],
     "title_fr": "La rétention des droits en pratique (atelier en petit groupe)",
     "title_en": "Rights retention in practice (small-group workshop)",
     "description_fr": "Atelier de trois personnes : où inscrire la formule de rétention des droits, que répondre "
                       "à un éditeur, comment déposer ensuite le manuscrit accepté sous CC BY.",
     "description_en": "A workshop for three: where to put the rights-retention statement, what to answer a "
                       "publisher, how to deposit the accepted manuscript under CC BY afterwards (in French).",
     "registrants": [CHERCHEUSE, CHERCHEUR, LIBRARY, STUDENT], "absent": []},
    {"slug": "open-access-for-health-researchers", "days": 23, "hour": 14, "minutes": 60, "capacity": 100,
     "language": "en", "speakers": ["mcgill", "frq"],
     "title_fr": "Le libre accès pour les chercheurs en santé : PubMed Central et le FRQS",
     "title_en": "Open access for health researchers: PubMed Central and the FRQS",
     "description_fr": "En anglais : déposer dans PubMed Central, les exigences des FRQ et des IRSC, les revues "
                       "médicales et leurs politiques.",
     "description_en": "Depositing in PubMed Central, the FRQ's and CIHR's requirements, medical journals and "
                       "their policies.",
     "registrants": [CHERCHEUR], "absent": []},
]


def _webinars(people, now: datetime.datetime) -> int:
    created = 0
    today = now.astimezone(MONTREAL).date()
    for spec in WEBINARS:
        if Webinar.objects.filter(slug=spec["slug"]).exists():
            continue
        starts = _local(today + datetime.timedelta(days=spec["days"]), spec["hour"])
        ends = starts + datetime.timedelta(minutes=spec["minutes"])
        data = {key: spec[key] for key in ("slug", "title_fr", "title_en", "description_fr", "description_en",
                                           "language", "capacity")}
        data.update(starts_at=starts, ends_at=ends, is_published=True, registration_open=True,
                    join_url=f"https://visio.demo.ouvert.local/science-ouverte/{spec['slug']}")
        past = spec["days"] < 0
        opened = starts - datetime.timedelta(days=21) if past else now
        with time_machine.travel(opened, tick=True) if past else _nothing():
            webinar = webinars.webinar_create(actor=people[FRQ_STAFF], data=data,
                                              speakers=[SPEAKERS[key] for key in spec["speakers"]])
            Webinar.objects.filter(pk=webinar.pk).update(is_demo=True)
        for n, email in enumerate(spec["registrants"]):
            moment = opened + datetime.timedelta(days=1 + n, hours=n) if past else None
            with time_machine.travel(moment, tick=True) if past else _nothing():
                webinars.registration_create(actor=people[email], webinar=webinar)
        if past:
            marks = {registration.pk: registration.user.email not in spec["absent"]
                     for registration in Registration.objects.filter(webinar=webinar, status="confirmed")
                     .select_related("user")}
            webinars.attendance_set(actor=people[FRQ_STAFF], webinar=webinar, marks=marks)
            webinars.recording_set(
                actor=people[FRQ_STAFF], webinar=webinar,
                recording_url=f"https://video.demo.ouvert.local/science-ouverte/{spec['slug']}",
                slides_url=f"https://diapos.demo.ouvert.local/science-ouverte/{spec['slug']}.pdf")
        created += 1
    return created


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


# --- The loader ----------------------------------------------------------------------------------

def loaded() -> bool:
    """Whether the whole demo is there."""
    return (Publication.objects.filter(is_demo=True).count() == len(PUBLICATIONS) + len(IMPORTED)
            and Publication.objects.filter(doi=doi(WITHDRAWN)).exclude(withdrawn_at=None).exists()
            and HarvestRun.objects.filter(source__slug=PAPYRUS_SOURCE["slug"], status="done").exists()
            and Reminder.objects.filter(publication__doi=doi(REMINDED)).exists()
            and FaqEntry.objects.filter(slug__in=[entry[1] for entry in FAQ]).count() == len(FAQ)
            and Webinar.objects.filter(slug__in=[w["slug"] for w in WEBINARS]).count() == len(WEBINARS))


def load(stdout=None) -> int:
    """The demo loader (``ouvert demo``). Returns how many publications it declared (0 when already there)."""
    if loaded():
        _write(stdout, "science ouverte : déjà chargée")
        return 0
    now = timezone.now()
    with transaction.atomic():
        people = _people()
        orgs = _organisations(people)
        _funds(people, orgs)
    with transaction.atomic():
        journals, archiving = _registries(people)
    with transaction.atomic():
        created = _publications(people)
    with transaction.atomic():
        run = _harvest(people)
    with transaction.atomic():
        _reminder(people)
    with transaction.atomic():
        _faq(people)
    with transaction.atomic():
        _webinars(people, now)
    refreshed = _open_data()
    public = Publication.objects.filter(is_demo=True, withdrawn_at=None)
    counts = {value: public.filter(compliance=value).count() for value in ("compliant", "not_compliant", "unknown")}
    _write(stdout, f"science ouverte : {created} publication(s) déclarée(s) ({public.count()} au registre, "
                   f"{counts['compliant']} conformes, {counts['not_compliant']} non conformes, {counts['unknown']} "
                   f"indéterminées, 1 retirée), {journals} revues, {archiving} politiques d'autoarchivage, "
                   f"{Deposit.objects.filter(source=run.source).count()} notices moissonnées, "
                   f"{FaqEntry.objects.filter(is_demo=True).count()} questions, "
                   f"{Webinar.objects.filter(is_demo=True).count()} webinaires"
                   + ("" if refreshed else " ; jeu de données ouvert non publié (organisme « "
                      + core_services.open_data_organisation() + " » absent)")
                   + f" (mot de passe des comptes « {DEMO_PASSWORD} »)")
    return created


def _open_data() -> bool:
    """The registry's open dataset in the catalogue, at once (no worker runs during the demo)."""
    from ouvert.catalog import services as catalog_services

    try:
        core_services.organisation_get(slug=core_services.open_data_organisation())
    except core_services.NotFound:
        return False
    catalog_services.open_data_refresh(registry.OPEN_DATA_KEY)
    return True


def register() -> None:
    """The demo loader, after the plan's (which makes the SCT, owner of the open data) and the market's."""
    from ouvert.core import registry as core_registry

    core_registry.register_demo_loader("science", load, order=310)
