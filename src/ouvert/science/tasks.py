"""Background work of the science module (``ouvert worker``; immediate in tests)."""
