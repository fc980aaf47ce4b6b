"""The outreach part in Django's admin."""
