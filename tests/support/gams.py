"""Whether GAMS can solve here: the licence the GAMS tests run with, and an oracle that asks GAMS itself.

gamspy-base ships a time-limited demo licence (54.6.1's stopped working after 2026-11-26). Tests
that need a solve run with TEAMHUB_TEST_GAMS_LICENSE (a gamslice.txt) when it is set, else with the
demo licence while GAMS still accepts it; otherwise they are skipped with that reason, and other
tests check that teamhub names the refused licence instead.
"""

from __future__ import annotations

import functools
import os
import subprocess
import tempfile
from pathlib import Path

from teamhub.apply.hubvenv import system_python, uv_binary
from teamhub.apply.toolinstall import transport_model
from teamhub.plan.recipes import GAMS_LICENSE_FILE, GAMS_VERSION

LICENSE_VARIABLE = "TEAMHUB_TEST_GAMS_LICENSE"
UNLICENSED = (
    f"GAMS refuses the demo licence of gamspy-base {GAMS_VERSION} (it is time-limited); "
    f"set {LICENSE_VARIABLE} to a gamslice.txt to run the solving tests"
)


def license_file() -> Path | None:
    """The licence file the tests were given, if any."""
    given = os.environ.get(LICENSE_VARIABLE)
    return Path(given).absolute() if given else None


def license_line() -> str:
    """`license = "..."` for a [tools.gams] table when the tests were given a licence, else nothing."""
    given = license_file()
    return f'license = "{given}"\n' if given else ""


def solves(system: Path) -> bool:
    """Whether the GAMS system in `system` solves the transport model (run directly, as root)."""
    with tempfile.TemporaryDirectory(prefix="thgams-") as folder:
        (Path(folder) / "transport.gms").write_text(transport_model())
        found = subprocess.run(
            [str(system / "gams"), "transport.gms", "lo=0"], cwd=folder, capture_output=True, timeout=120
        )
    return found.returncode == 0


@functools.cache
def can_solve() -> bool:
    """Whether the pinned gamspy-base solves with the licence the tests use (installed aside, once)."""
    with tempfile.TemporaryDirectory(prefix="thgams-venv-") as folder:
        venv, python = Path(folder) / "venv", str(Path(folder) / "venv" / "bin" / "python")
        subprocess.run([uv_binary(), "venv", "-q", "--python", str(system_python()), str(venv)], check=True)
        package = f"gamspy-base=={GAMS_VERSION}"
        subprocess.run([uv_binary(), "pip", "install", "-q", "--python", python, package], check=True)
        code = "import gamspy_base; print(gamspy_base.directory)"
        system = Path(subprocess.run([python, "-c", code], capture_output=True, text=True).stdout.strip())
        given = license_file()
        if given is not None:
            (system / GAMS_LICENSE_FILE).write_bytes(given.read_bytes())
        return solves(system)
