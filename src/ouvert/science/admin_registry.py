"""Django admin of the registry part."""
