"""What the geo module does: the only way other modules (and the views, API and CLI) reach it.

- ``layers``: geographic resources turned into stored layers (formats, coordinate systems,
  repair, profile) and converted downloads;
- ``maps``: vector tiles, map previews, styles;
- ``spatial``: datasets' spatial coverage and spatial search.
"""

from .layers import *  # noqa: F401,F403
from .maps import *  # noqa: F401,F403
from .spatial import *  # noqa: F401,F403
