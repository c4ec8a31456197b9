"""The docs match the code: the CLI reference is current and every team-file key is described."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from pydantic import BaseModel

from teamhub.team.model import Team

ROOT = Path(__file__).resolve().parents[2]


def test_cli_reference_is_generated_from_the_current_help():
    spec = importlib.util.spec_from_file_location("cli_reference", ROOT / "scripts" / "cli_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (ROOT / "docs" / "cli.md").read_text() == module.render(), (
        "docs/cli.md is stale: run .venv/bin/python scripts/cli_reference.py"
    )


def _keys(model: type[BaseModel]) -> set[str]:
    found = set()
    for name, field in model.model_fields.items():
        found.add(name)
        annotation = field.annotation
        for candidate in (*getattr(annotation, "__args__", ()), annotation):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                found |= _keys(candidate)
    return found


def test_every_team_file_key_is_documented():
    text = (ROOT / "docs" / "team-file.md").read_text()
    missing = sorted(key for key in _keys(Team) if f"`{key}`" not in text and f"[{key}" not in text)
    assert not missing, f"docs/team-file.md does not describe: {missing}"
