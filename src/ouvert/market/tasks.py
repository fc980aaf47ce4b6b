"""Background work of the market module (``ouvert worker``; immediate in tests)."""
