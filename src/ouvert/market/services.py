"""What the market module does: the only way other modules (and the views, API and CLI) reach it.

- ``formats``: amounts in dollars, instants in Montreal time, the time left before a deadline;
- ``access``: who is buyer, supplier member, evaluator or platform admin for an opportunity;
- ``opportunities``: opportunities, criteria, attachments, the status machine (review, publication,
  suspension, cancellation, closing at the deadline), addenda, questions and answers, follows, history;
- ``suppliers``: supplier organisations (NEQ, size) and their members;
- ``proposals``: drafts, sealed submissions, withdrawal, receipts and their verification, opening;
- ``evaluation``: the panel, conflict-of-interest declarations, scores, consensus, ranking, award, debrief;
- ``delivery``: the contract's deliveries, acceptance or corrections, payment, reusable components;
- ``ocds``: OCDS 1.1 releases, records and packages, and the open-data dataset;
- ``stats``: the public statistics.
"""

from .access import *  # noqa: F401,F403
from .delivery import *  # noqa: F401,F403
from .evaluation import *  # noqa: F401,F403
from .formats import *  # noqa: F401,F403
from .ocds import *  # noqa: F401,F403
from .opportunities import *  # noqa: F401,F403
from .proposals import *  # noqa: F401,F403
from .stats import *  # noqa: F401,F403
from .suppliers import *  # noqa: F401,F403
