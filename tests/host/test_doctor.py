"""`teamhub doctor` on a real hub: healthy, then broken one way at a time, each named with its fix."""

from __future__ import annotations

import json
import os
import pwd
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.support.roots import Roots, make_roots


@dataclass
class Team:
    """The module's installation: a running hub with an admin and a member."""

    roots: Roots
    lead: str
    ann: str

    @property
    def state(self) -> Path:
        return self.roots.base / "state"

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        """The hub's REST API with teamhub's own token."""
        token = (self.state / "secrets" / "api_token").read_text().strip()
        headers = {"Authorization": f"token {token}"}
        url = f"{self.roots.url}hub/api{path}"
        return requests.request(method, url, headers=headers, timeout=60, **kwargs)

    def doctor(self, *args: str) -> tuple[int, dict]:
        """Run `teamhub doctor --json`; its exit code and report."""
        proc = self.roots.teamhub("doctor", "--json", *args, check=False)
        assert proc.stdout, proc.stderr
        return proc.returncode, json.loads(proc.stdout)

    def popen_doctor(self) -> subprocess.Popen[str]:
        argv = [sys.executable, "-m", "teamhub", "--config", str(self.roots.config), "doctor", "--json"]
        return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def probes(self) -> list[str]:
        """Probe accounts of this installation that exist now."""
        home = f"{self.roots.base}/home/thdoc-"
        return [e.pw_name for e in pwd.getpwall() if e.pw_dir.startswith(home)]

    def hub_probes(self, ready: bool = False) -> list[str]:
        """Probe users the hub knows (with a ready server, when `ready`)."""
        users = self.api("GET", "/users").json()
        return [
            u["name"]
            for u in users
            if u["name"].startswith("thdoc-") and (not ready or u.get("servers", {}).get("", {}).get("ready"))
        ]

    def wait_for_probe_server(self, proc: subprocess.Popen[str], deadline_s: float = 150) -> str:
        """Poll until doctor's probe has a ready server; its name."""
        deadline = time.monotonic() + deadline_s
        while time.monotonic() < deadline:
            assert proc.poll() is None, proc.communicate()
            found = self.hub_probes(ready=True)
            if found:
                return found[0]
            time.sleep(0.2)
        raise TimeoutError("doctor's probe server never became ready")


def _remove_leftover_probes(roots: Roots) -> None:
    for entry in pwd.getpwall():
        if entry.pw_dir.startswith(f"{roots.base}/home/thdoc-"):
            subprocess.run(["pkill", "-KILL", "-U", str(entry.pw_uid)], check=False)
            subprocess.run(["userdel", entry.pw_name], capture_output=True, check=False)


@pytest.fixture(scope="module")
def team(hub_venv: str) -> Iterator[Team]:
    """One hub for the whole module; each test breaks one thing and repairs it."""
    roots = make_roots()
    try:
        roots.link_shared_hub_venv()
        lead, ann = roots.name("lead"), roots.name("ann")
        roots.write_team(f'[users.{lead}]\nadmin = true\n\n[users.{ann}]\nfull_name = "Ann"\n')
        roots.teamhub("up")
        yield Team(roots, lead, ann)
    finally:
        _remove_leftover_probes(roots)
        roots.cleanup()


@pytest.fixture(autouse=True)
def nothing_left_behind(team: Team) -> Iterator[None]:
    """After every test: no probe account, no probe in the hub, no unfinished doctor record."""
    yield
    assert team.probes() == []
    if team.api("GET", "/").ok:
        assert team.hub_probes() == []
    assert list((team.state / "doctor").glob("run-*.json")) == []


def failures(report: dict) -> list[dict]:
    return [row for row in report["checks"] if row["status"] == "fail"]


def failed_names(report: dict) -> set[str]:
    return {row["name"] for row in failures(report)}


def row(report: dict, name: str) -> dict:
    (found,) = [r for r in report["checks"] if r["name"] == name]
    return found


def test_healthy_host_passes_and_the_probe_is_gone_afterwards(team: Team):
    code, report = team.doctor()
    assert code == 0, failures(report)
    assert report["ok"] is True and report["failed"] == 0
    assert {r["status"] for r in report["checks"]} == {"pass"}
    names = [r["name"] for r in report["checks"]]
    for expected in (
        "hub running",
        "hub answers /hub/health",
        "proxy routes",
        "host matches the team file",
        "versions",
        "homes 0700",
        "hub Python usable by every user",
        "secrets 0600",
        "nothing world-writable",
        "exposure",
        "disk space",
        "server starts",
        "kernel python3",
        "doctor cleaned up",
    ):
        assert expected in names
    (probe,) = re.findall(r"runs as (thdoc-[0-9a-f]{8}) \(uid \d+\)", row(report, "kernel python3")["seen"])
    assert f"removed the probe account {probe}" in row(report, "doctor cleaned up")["seen"]
    assert "JupyterHub 6." in row(report, "versions")["seen"]


def test_team_file_edited_without_apply_is_named(team: Team):
    cy = team.roots.name("cy")
    before = team.roots.config.read_text()
    team.roots.config.write_text(before + f"\n[users.{cy}]\n")
    try:
        code, report = team.doctor()
    finally:
        team.roots.config.write_text(before)
    assert code == 1
    members = team.state / "members.json"
    assert failures(report) == [
        {
            "status": "fail",
            "name": "host matches the team file",
            "seen": f"apply would do: + user {cy}",
            "fix": "teamhub apply",
        },
        {
            "status": "fail",
            "name": "host matches the team file",
            "seen": f"{members} is not the team's current member list",
            "fix": "teamhub apply",
        },
    ]


def test_home_made_0755_is_named(team: Team):
    home = Path(pwd.getpwnam(team.ann).pw_dir)
    os.chmod(home, 0o755)
    try:
        code, report = team.doctor()
    finally:
        os.chmod(home, 0o700)
    assert code == 1
    assert failures(report) == [
        {"status": "fail", "name": "homes 0700", "seen": f"{home} is 0755", "fix": f"chmod 700 {home}"}
    ]


def test_secret_made_0644_is_named(team: Team):
    secret = team.state / "secrets" / "proxy_token"
    os.chmod(secret, 0o644)
    try:
        code, report = team.doctor()
    finally:
        os.chmod(secret, 0o600)
    assert code == 1
    assert failures(report) == [
        {"status": "fail", "name": "secrets 0600", "seen": f"{secret} is 0644", "fix": f"chmod 600 {secret}"}
    ]


def test_world_writable_file_under_the_data_root_is_named(team: Team):
    data = team.roots.base / "srv"
    notes = data / "shared" / "notes.txt"
    notes.parent.mkdir(parents=True, exist_ok=True)
    notes.write_text("anyone may overwrite me\n")
    os.chmod(notes, 0o666)
    try:
        code, report = team.doctor()
    finally:
        notes.unlink()
    assert code == 1
    (bad,) = failures(report)
    assert bad["name"] == "nothing world-writable"
    assert bad["seen"] == f"{notes} (0666) writable by everyone"
    assert bad["fix"] == f"chmod -R o-w {data}"


def test_hub_venv_closed_to_users_is_named_and_the_failed_probe_is_still_removed(team: Team):
    prefix = team.roots.base / "opt"  # <prefix>/hub links to the shared venv, which must stay as it is
    os.chmod(prefix, 0o700)
    try:
        code, report = team.doctor()
    finally:
        os.chmod(prefix, 0o755)
    assert code == 1
    assert failed_names(report) == {"hub Python usable by every user", "server starts"}
    closed = [r for r in failures(report) if r["name"] == "hub Python usable by every user"]
    assert {r["fix"] for r in closed} == {f"chmod o+rx {prefix}"}
    assert {r["seen"].split()[0] for r in closed} == {team.lead, team.ann}
    assert all(f"{prefix} is closed to them" in r["seen"] for r in closed)
    assert row(report, "kernels run as the user")["status"] == "skip"
    assert "removed the probe account" in row(report, "doctor cleaned up")["seen"]


def test_as_a_member_runs_as_them_and_restores_the_hub(team: Team):
    assert team.api("GET", f"/users/{team.ann}").status_code == 404  # never logged in
    code, report = team.doctor("--as", team.ann)
    assert code == 0, failures(report)
    uid = pwd.getpwnam(team.ann).pw_uid
    assert f"runs as {team.ann} (uid {uid})" in row(report, "kernel python3")["seen"]
    assert team.api("GET", f"/users/{team.ann}").status_code == 404  # the hub user doctor made is gone


def test_broken_kernelspec_is_named_and_a_running_server_is_left_running(team: Team):
    ann = pwd.getpwnam(team.ann)
    assert team.api("POST", f"/users/{team.ann}").status_code == 201
    assert team.api("POST", f"/users/{team.ann}/server").status_code in (201, 202)
    deadline = time.monotonic() + 120
    while not team.api("GET", f"/users/{team.ann}").json()["servers"].get("", {}).get("ready"):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    gone = team.roots.base / "deleted-env" / "bin" / "python"
    spec = Path(ann.pw_dir) / ".local" / "share" / "jupyter" / "kernels" / "broken" / "kernel.json"
    spec.parent.mkdir(parents=True)
    argv = [str(gone), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec.write_text(json.dumps({"argv": argv, "display_name": "Broken", "language": "python"}))
    local = Path(ann.pw_dir) / ".local"
    subprocess.run(["chown", "-R", f"{ann.pw_uid}:{ann.pw_gid}", str(local)], check=True)
    try:
        code, report = team.doctor("--as", team.ann)
        server = team.api("GET", f"/users/{team.ann}").json()["servers"].get("")
        tokens = team.api("GET", f"/users/{team.ann}/tokens").json()["api_tokens"]
    finally:
        subprocess.run(["rm", "-rf", str(local)], check=True)
        team.api("DELETE", f"/users/{team.ann}")
    assert code == 1
    (bad,) = failures(report)
    assert bad["name"] == "kernel broken"
    fix = "teamhub apply, or remove that kernelspec"
    assert bad["fix"] == f"kernel broken starts {gone}, which is gone: {fix}"
    assert row(report, "kernel python3")["status"] == "pass"
    assert server and server["ready"], "doctor stopped a server it did not start"
    assert f"left {team.ann}'s server running, as it was" in row(report, "doctor cleaned up")["seen"]
    assert not [t for t in tokens if t.get("note") == "teamhub doctor"]


def test_as_someone_outside_the_team_is_refused(team: Team):
    proc = team.roots.teamhub("doctor", "--as", "root", check=False)
    assert proc.returncode == 2
    assert "'root' is not in the team" in proc.stderr


def test_interrupted_doctor_removes_its_probe(team: Team):
    proc = team.popen_doctor()
    probe = team.wait_for_probe_server(proc)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    report = json.loads(out)
    assert report["interrupted"] is True
    assert row(report, "doctor cleaned up")["status"] == "pass"
    assert f"removed the probe account {probe}" in row(report, "doctor cleaned up")["seen"]
    with pytest.raises(KeyError):
        pwd.getpwnam(probe)


def test_killed_doctor_leftovers_are_removed_by_the_next_run(team: Team):
    proc = team.popen_doctor()
    probe = team.wait_for_probe_server(proc)
    proc.kill()
    proc.communicate(timeout=60)
    assert pwd.getpwnam(probe)  # left behind by the kill
    code, report = team.doctor()
    assert code == 0, failures(report)
    swept = row(report, "leftovers of a killed doctor run")
    assert swept["status"] == "pass"
    assert f"stopped {probe}'s server" in swept["seen"]
    assert f"removed the probe account {probe}" in swept["seen"]
    with pytest.raises(KeyError):
        pwd.getpwnam(probe)


def test_hub_stopped_is_named_in_the_table(team: Team):
    team.roots.teamhub("stop")
    try:
        proc = team.roots.teamhub("doctor", check=False)
    finally:
        team.roots.teamhub("start")
    assert proc.returncode == 1
    line = next(line for line in proc.stdout.splitlines() if "hub running" in line)
    assert "FAIL" in line and "no supervised hub process" in line and "teamhub start" in line
    assert re.search(r"skip\s+│ server starts", proc.stdout)
    assert "1 failed" in proc.stdout
