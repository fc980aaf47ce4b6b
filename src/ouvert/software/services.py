"""What the software module does: the only way other modules (and the views, API and CLI) reach it.

- ``access``: who is the platform's free-software team, who speaks for a public body;
- ``spdx``: SPDX licence expressions, validated offline against the bundled SPDX licence list;
- ``catalogue``: the software entries, their status in the catalogue with its history, similar and
  replaced software, the search and the open dataset;
- ``publiccode``: reading, validating, importing and writing ``publiccode.yml``;
- ``usage``: public bodies' use of a software, with their referents;
- ``inventory``: the inventory of public bodies' code repositories;
- ``guides``: the practice guides (5.1, 5.2);
- ``grids``: evaluation grids (weighted criteria, candidates, scores, matrix and ranking, exports);
- ``accompaniment``: accompaniment requests and their triage (5.3), feeding the plan's milestone 5.3.
"""

from .access import *  # noqa: F401,F403
from .accompaniment import *  # noqa: F401,F403
from .catalogue import *  # noqa: F401,F403
from .grids import *  # noqa: F401,F403
from .guides import *  # noqa: F401,F403
from .inventory import *  # noqa: F401,F403
from .publiccode import *  # noqa: F401,F403
from .spdx import *  # noqa: F401,F403
from .usage import *  # noqa: F401,F403
