"""The processes part in Django's admin."""
