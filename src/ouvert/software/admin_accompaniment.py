"""The Django admin of this part (nothing registered yet)."""
