"""The proposals part in Django's admin."""
