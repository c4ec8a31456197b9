"""Environment and tool rules in the team file: requirements, versions, names, variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from teamhub.errors import BadInput
from teamhub.team import packages as pk
from teamhub.team.load import parse

FILE = Path("/etc/teamhub/team.toml")


@pytest.mark.parametrize(
    "spec",
    [
        "pandas",
        "numpy>=1.26,<3",
        "pandas[excel]>=2",
        'tomli; python_version < "3.11"',
        "pkg @ https://x.test/p.whl",
    ],
)
def test_plain_requirements_pass(spec: str) -> None:
    assert pk.requirement_problem(spec) is None


@pytest.mark.parametrize(
    "spec",
    [
        "numpy; rm -rf /",
        "--index-url=https://evil.test/simple",
        "-r other.txt",
        "numpy\n--index-url x",
        "numpy && curl x",
        "a b",
        "",
        "pkg @ https://x.test/$(id).whl",
        "pkg @ git+ssh://x.test/repo",
    ],
)
def test_shell_syntax_and_options_are_refused(spec: str) -> None:
    assert pk.requirement_problem(spec) is not None


def test_names_and_versions() -> None:
    assert pk.package_name("Scikit_Learn>=1") == "scikit-learn"
    assert pk.normalise("pandas >= 2") == "pandas>=2"
    assert pk.duplicate_names(["numpy", "NumPy<2", "six"]) == ["numpy"]
    assert pk.python_version_problem("3.11") is None
    assert pk.python_version_problem("3.11.2") is None
    assert pk.python_version_problem("python3") is not None
    assert pk.python_version_problem("3.11; rm") is not None
    assert pk.version_matches("3.11", "3.11.2")
    assert not pk.version_matches("3.1", "3.11.2")
    assert pk.version_matches("3.11.2", "3.11.2")


def test_a_package_its_marker_kept_out_of_the_lock_is_not_expected() -> None:
    specs = ['tomli; python_version < "3.11"', "Scikit_Learn>=1", 'six; sys_platform == "linux"']
    assert pk.expected_names(specs, {"scikit-learn": "1.5.0", "six": "1.16.0"}) == ["scikit-learn", "six"]
    # without a marker a package is expected even when the lock lacks it: its absence is the fault
    assert pk.expected_names(specs, {}) == ["scikit-learn"]


def team(body: str):  # type: ignore[no-untyped-def]
    return parse(body, FILE)


def refused(body: str, words: str) -> None:
    with pytest.raises(BadInput) as caught:
        team(body)
    assert words in str(caught.value)
    assert str(caught.value).count("\n") == 0


def test_env_tables_are_checked() -> None:
    refused('[envs."a/b"]\n', "environment name")
    refused('[envs."../x"]\n', "environment name")
    refused('[envs."my env"]\n', "environment name")
    refused('[envs.x]\npackages = ["numpy; rm -rf /"]\n', "not a plain requirement")
    refused('[envs.x]\npython = "latest"\n', "must look like")
    refused('[envs.x]\npackages = ["numpy", "numpy<2"]\n', "listed twice")
    refused("[envs.a]\ndefault = true\n[envs.b]\ndefault = true\n", "only one environment")
    refused("[envs.Py]\n[envs.py]\n", "differ only in case")
    refused('[packages]\nindex_url = "https://x.test/simple; rm -rf /"\n', "index URL")
    refused("[packages]\nkeep_builds = 0\n", "at least 1")


def test_tool_tables_are_checked() -> None:
    refused('[tools.t]\npath = "opt/t"\n', "absolute")
    refused('[tools.t]\npath = "/opt/../t"\n', "absolute")
    refused('[tools.t]\nrecipe = "matlab"\n', "no tool recipe")
    refused('[tools.t]\npath = "/opt/t"\nenv = { "BAD-NAME" = "1" }\n', "not a valid environment variable")
    refused('[tools.t]\npath = "/opt/t"\nenv = { PATH = "bin" }\n', "absolute folders")
    refused('[tools.t]\nrecipe = "gams"\npath = "/opt/t"\n', "exactly one")
    refused('[tools.t]\npath = "/opt/t"\nlicense = "/etc/gamslice.txt"\n', "for the gams recipe")
    refused('[tools.t]\nrecipe = "gams"\nlicense = "gamslice.txt"\n', "absolute path")


def test_default_env_is_the_marked_one_or_the_first() -> None:
    assert team("[envs.a]\n[envs.b]\ndefault = true\n").default_env == "b"
    assert team("[envs.a]\n[envs.b]\n").default_env == "a"
    assert team("").default_env is None
