"""The ecosystems part in Django's admin."""
