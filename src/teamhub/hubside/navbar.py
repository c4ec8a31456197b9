"""The hub's own pages with a "Team" link in the navigation bar (JupyterHub.template_paths)."""

from __future__ import annotations

from pathlib import Path

TEMPLATES = str(Path(__file__).with_name("templates"))
