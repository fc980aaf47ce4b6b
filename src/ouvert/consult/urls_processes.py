"""Addresses of the processes part: fixed ones, and the ones under a process's ``<slug>/``."""

urlpatterns: list = []
process_urlpatterns: list = []
