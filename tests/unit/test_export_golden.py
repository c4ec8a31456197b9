"""The export of the seed's team, file by file, as kept readable in tests/unit/golden/seed/.

After an intended change, regenerate with TEAMHUB_REGENERATE_GOLDEN=1 and read the diff.
"""

from __future__ import annotations

import os

from tests.unit.export_cases import GOLDEN, SEED_LOCK, SEED_TEAM, bundle

EXPECTED = GOLDEN / "seed"


def test_seed_team_export_matches_the_golden_files():
    files = bundle(SEED_TEAM, locks={"py311": SEED_LOCK}).files
    if os.environ.get("TEAMHUB_REGENERATE_GOLDEN"):
        for old in sorted(EXPECTED.rglob("*"), reverse=True):
            old.unlink() if old.is_file() else old.rmdir()
        for relative, text in files.items():
            (EXPECTED / relative).parent.mkdir(parents=True, exist_ok=True)
            (EXPECTED / relative).write_text(text)
    kept = {str(path.relative_to(EXPECTED)) for path in EXPECTED.rglob("*") if path.is_file()}
    assert kept == set(files), "files added or missing; regenerate with TEAMHUB_REGENERATE_GOLDEN=1"
    for relative, text in sorted(files.items()):
        assert text == (EXPECTED / relative).read_text(), f"{relative} differs from the golden file"


def test_golden_values_say_what_the_seed_needs():
    values = (EXPECTED / "values.yaml").read_text()
    for needed in (
        "nativeauthenticator.NativeAuthenticator",
        "01-notebooks:",
        "- peter\n          - hubuser",
        "/opt/teamhub/tools/gams/sysdir",
        "defaultUrl: /tree",
    ):
        assert needed in values
    dockerfile = (EXPECTED / "images/py311/Dockerfile").read_text()
    assert "FROM docker.io/library/python:3.11-slim" in dockerfile
    assert "-r /opt/env/requirements.lock" in dockerfile
    assert "gamspy-base" in dockerfile
    assert (EXPECTED / "images/py311/requirements.lock").read_text() == SEED_LOCK
