"""The dashboard (``petri dashboard``): pages, a JSON API, live events and ``/metrics``."""
