"""The priorities module's data (being built: see issue 7)."""
