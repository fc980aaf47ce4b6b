"""The surveys part in Django's admin."""
