"""The teaching part in Django's admin."""
