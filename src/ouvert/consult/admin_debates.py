"""The debates part in Django's admin."""
