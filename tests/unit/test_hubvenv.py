"""The hub venv leaves out packages that only cost start-up time, also when upgrading an older venv."""

from __future__ import annotations

from pathlib import Path

import pytest

from teamhub.apply import hubvenv
from teamhub.paths import Paths


def test_the_install_excludes_rfc3987_syntax_and_an_older_venv_loses_it(tmp_path: Path, monkeypatch):
    paths = Paths(config_file=tmp_path / "team.toml", prefix=tmp_path / "opt")
    paths.hub_bin("python").parent.mkdir(parents=True)
    paths.hub_bin("python").touch()
    calls: list[tuple[list[str], str]] = []

    def fake_run(argv, **kwargs):
        excluded = ""
        if "--excludes" in argv:
            excluded = Path(argv[argv.index("--excludes") + 1]).read_text()
        calls.append(([str(a) for a in argv], excluded))

    monkeypatch.setattr(hubvenv, "run", fake_run)
    monkeypatch.setattr(hubvenv, "uv_binary", lambda: "uv")
    assert hubvenv.ensure_hub_venv(paths) is True
    (install, excluded), (uninstall, _) = calls
    assert install[1:3] == ["pip", "install"] and "jupyterlab>=4.4,<5" in install
    assert excluded.split() == ["rfc3987-syntax", "lark"]
    assert uninstall[1:3] == ["pip", "uninstall"] and uninstall[-2:] == ["rfc3987-syntax", "lark"]


def test_changing_the_exclusions_rebuilds_existing_venvs(monkeypatch: pytest.MonkeyPatch):
    before = hubvenv.packages_digest()
    monkeypatch.setattr(hubvenv, "HUB_EXCLUDED", ())
    assert hubvenv.packages_digest() != before
