"""Django admin of the policy part."""
