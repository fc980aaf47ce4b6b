"""The opinions part in Django's admin."""
