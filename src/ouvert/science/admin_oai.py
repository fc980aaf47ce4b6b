"""Django admin of the oai part."""
