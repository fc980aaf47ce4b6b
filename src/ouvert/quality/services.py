"""What the quality module does: the only way other modules (and the views, API and CLI) reach it.

The work is split by subject; each part lists what it offers in its ``__all__``:

- ``scoring``: metadata quality scores (MQA and udata-style checks), snapshots, dashboards;
- ``availability``: the link checker, its history and uptime, broken-link reports;
- ``integrity``: file checksums and their verification, primary keys of tabular resources;
- ``certification``: criteria and certification of reference datasets.
"""

from .availability import *  # noqa: F401,F403
from .certification import *  # noqa: F401,F403
from .integrity import *  # noqa: F401,F403
from .scoring import *  # noqa: F401,F403
