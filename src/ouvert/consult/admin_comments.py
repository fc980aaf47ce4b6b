"""The comments part in Django's admin."""
