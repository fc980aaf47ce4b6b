"""What the consult module does: the only way other modules (and the views, API and CLI) reach it.

- ``access``: who may see, manage and take part in a process, and the participation record;
- ``processes``: consultations, phases, documents, invitations, the creation wizard and its guiding
  principles, the organisers' guides;
- ``outreach``: the public list, calendar, Atom feed and e-mail subscription, meetings, follows and
  notification digests, the indicators per period and body;
- ``proposals``: proposals, supports, official answers, amendments;
- ``surveys``: questionnaires, responses, results;
- ``debates``: debates and draft texts commented paragraph by paragraph;
- ``opinions``: Pol.is-style statements, votes and opinion groups;
- ``comments``: threaded comments, votes, reports and moderation;
- ``results``: the dashboard, the report, exports and open data, satisfaction and suggestions.
"""

from .access import *  # noqa: F401,F403
from .comments import *  # noqa: F401,F403
from .debates import *  # noqa: F401,F403
from .opinions import *  # noqa: F401,F403
from .outreach import *  # noqa: F401,F403
from .processes import *  # noqa: F401,F403
from .proposals import *  # noqa: F401,F403
from .results import *  # noqa: F401,F403
from .surveys import *  # noqa: F401,F403
