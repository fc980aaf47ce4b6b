"""Django admin of the support part."""
