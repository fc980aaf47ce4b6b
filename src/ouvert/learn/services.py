"""What the learn module does: the only way other modules (and the views, API and CLI) reach it.

- ``teaching``: the teaching section (section pédagogique, milestone 1.1): learning paths, tutorials
  whose code examples the test suite runs, glossary, FAQ, search and reading progress;
- ``ecosystems``: data ecosystems and the registry of data standards (milestone 1.5).
"""

from .ecosystems import *  # noqa: F401,F403
from .teaching import *  # noqa: F401,F403
