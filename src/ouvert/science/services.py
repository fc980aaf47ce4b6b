"""What the science module does: the only way other modules (and the views, API and CLI) reach it.

- ``identifiers``: DOI, ISSN, ORCID and titles, normalised one way;
- ``access``: who is a researcher, an institution's staff, a fund's staff (science manager);
- ``policy``: funds, policy versions, the journal registry and the publishers' self-archiving policies
  (forms and CSV imports);
- ``compliance``: the routes of the policy as rules with reason codes, the verdicts and their recomputing,
  the « how do I comply? » assistant;
- ``registry``: funded publications (form, CSV import, DOI look-up), the public search, the dashboard,
  reminders, exports and the open dataset;
- ``oai_client``: harvesting deposits from institutional repositories and matching them to publications;
- ``oai_provider``: the OAI-PMH 2.0 provider of the registry;
- ``faq``: the researchers' FAQ; ``webinars``: training webinars, registration, waiting list, reminders.
"""

from .access import *  # noqa: F401,F403
from .compliance import *  # noqa: F401,F403
from .crossref import *  # noqa: F401,F403
from .dashboard import *  # noqa: F401,F403
from .faq import *  # noqa: F401,F403
from .identifiers import *  # noqa: F401,F403
from .oai_client import *  # noqa: F401,F403
from .oai_provider import *  # noqa: F401,F403
from .policy import *  # noqa: F401,F403
from .registry import *  # noqa: F401,F403
from .webinars import *  # noqa: F401,F403
