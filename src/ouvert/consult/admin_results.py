"""The results part in Django's admin."""
