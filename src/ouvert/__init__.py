"""Ouvert: an open-government platform."""

__version__ = "0.1.0"
