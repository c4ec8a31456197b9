"""teamhub: one Linux server, one Jupyter workspace for a small team."""

__version__ = "0.1.0"
