"""Bad input to `teamhub env` and `teamhub tool`: one sentence, exit 2, nothing changed."""

from __future__ import annotations

import pytest

from tests.support.roots import Roots

BODY = """[envs.alpha]
python = "3.11"
packages = ["six"]
default = true

[envs.beta]
python = "3.11"
"""

CASES = [
    (("env", "create", "a/b"), "environment name"),
    (("env", "create", ".."), "environment name"),
    (("env", "create", "my env"), "environment name"),
    (("env", "create", "x", "numpy; rm -rf /"), "not a plain requirement"),
    (("env", "create", "x", "--", "--index-url=https://evil.invalid/simple"), "not a plain requirement"),
    (("env", "add", "alpha", "--index-url=https://evil.invalid/simple"), "No such option '--index-url'"),
    (("env", "add", "alpha"), "Missing argument 'PACKAGES...'; see `teamhub env add --help`."),
    (("env", "add", "alpha", "six && curl x"), "not a plain requirement"),
    (("env", "create", "x", "--python", "3.99"), "available: 3.11"),
    (("env", "create", "x", "--python", "three"), "must look like"),
    (("env", "drop", "alpha", "scipy"), "is not in environment 'alpha'"),
    (("env", "remove", "alpha"), "--default"),
    (("env", "add", "nope", "six"), "no environment 'nope'"),
    (("env", "rollback", "alpha"), "no earlier build"),
    (("tool", "add", "t", "--path", "opt/t"), "must be absolute"),
    (("tool", "add", "t", "--path", "/nonexistent/teamhub-tool"), "not a folder"),
    (("tool", "add", "t", "--path", "/tmp", "--env", "1BAD=x"), "not a valid environment variable"),
    (("tool", "add", "t", "--path", "/tmp", "--env", "LD_LIBRARY_PATH=lib"), "absolute folders"),
    (("tool", "add", "t"), "exactly one of --recipe"),
    (("tool", "add", "g", "--recipe", "gams", "--license", "/nonexistent/gamslice.txt"), "does not exist"),
    (("tool", "add", "g", "--recipe", "gams", "--license", "/dev/null"), "is not a file"),
    (("tool", "add", "t", "--path", "/tmp", "--license", "/etc/hostname"), "is for --recipe gams"),
    (("tool", "remove", "t"), "no tool 't'"),
]


@pytest.mark.parametrize(("args", "words"), CASES, ids=[" ".join(case[0]) for case in CASES])
def test_bad_input_is_refused_and_changes_nothing(roots: Roots, args: tuple[str, ...], words: str) -> None:
    roots.write_team(BODY)
    before = roots.config.read_text()
    result = roots.teamhub(*args, check=False)
    assert result.returncode == 2, (result.stdout, result.stderr)
    message = result.stderr.strip()
    assert words in message, message
    assert len(message.splitlines()) == 1, message
    assert roots.config.read_text() == before
    assert not (roots.base / "opt").exists()
    assert not (roots.base / "state").exists()
