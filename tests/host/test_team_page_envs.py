"""The team page's environments and tools panels over HTTP against a real hub, with real builds."""

from __future__ import annotations

import json
import os
import re
import time
from typing import Any

import requests

from teamhub.paths import Paths
from tests.support.roots import Roots, audit, passwords
from tests.support.teampage import TeamPage, page_for

ADMIN_POSTS = [
    "api/envs/add",
    "api/envs/drop",
    "api/envs/small/add",
    "api/envs/small/drop",
    "api/envs/small/rollback",
    "api/envs/small/builds/1/rollback",
    "api/tools",
    "api/tools/marker/remove",
]


def hub_pid(roots: Roots) -> str:
    return (roots.base / "state" / "hub.pid").read_text().strip()


def builds(roots: Roots) -> list[str]:
    folder = Paths(config_file=roots.config, prefix=roots.base / "opt").envs / "small" / "builds"
    return sorted(path.name for path in folder.iterdir())


def finish_through_restarts(page: TeamPage, job_id: str, deadline_s: float = 300.0) -> dict[str, Any]:
    """Follow a job as the page does: while the hub restarts, keep asking until the page is back."""
    deadline = time.monotonic() + deadline_s
    after, lines, away = 0, [], 0
    while time.monotonic() < deadline:
        try:
            answer = page.get(f"api/jobs/{job_id}", after=after, wait=10)
        except requests.ConnectionError:
            answer = None
        if (
            answer is None
            or answer.status_code >= 500
            or "json" not in answer.headers.get("Content-Type", "")
        ):
            away += 1
            time.sleep(1)  # the hub is down: poll again (bounded by the deadline)
            continue
        answer.raise_for_status()
        job = answer.json()
        lines += job["lines"]
        after = job["next"]
        if job["state"] in ("done", "failed"):
            return {**job, "all_lines": lines, "away": away}
    raise TimeoutError(f"job {job_id} did not end within {deadline_s:.0f} s")


def act(page: TeamPage, path: str, data: dict[str, str] | None = None) -> dict[str, Any]:
    started = page.post(path, data)
    assert started.status_code == 202, started.text
    return finish_through_restarts(page, started.json()["job"])


def test_envs_and_tools_panels(installed: Roots):
    lead, bea = installed.name("lead"), installed.name("bea")
    tool_dir = installed.base / "tool"
    tool_dir.mkdir()
    os.chmod(tool_dir, 0o755)
    installed.write_team(
        f"[users.{lead}]\nadmin = true\n\n[users.{bea}]\n\n"
        '[envs.small]\npython = "3.11"\npackages = ["six"]\n'
    )
    created = passwords(installed.teamhub("up").stdout)
    admin = page_for(installed, lead, created[lead])
    member = page_for(installed, bea, created[bea])
    state = installed.base / "state"

    # everyone sees the environments, with the exact versions of the live build; no admin controls
    page = member.open().text
    assert 'id="section-envs"' in page and 'id="section-tools"' in page
    assert '<span class="env-packages">six</span>' in page and re.search(r"<code>six==[0-9.]+</code>", page)
    for admin_only in ('id="env-add"', 'id="add-tool"', "env-history", "/rollback"):
        assert admin_only not in page
    assert 'id="env-add"' in admin.open().text

    # members are refused every admin action at the HTTP level; nothing changes
    before = (
        installed.config.read_text(),
        (installed.base / "log" / "audit.log").read_text(),
        builds(installed),
    )
    for path in ADMIN_POSTS:
        answer = member.post(path, {"env": "small", "packages": "idna", "name": "x", "path": str(tool_dir)})
        assert answer.status_code == 403, (path, answer.text)
        assert answer.json()["error"] == "only team admins can do this"
    # cross-site and token-less posts are refused for admins too
    assert admin.post("api/envs/small/add", {"packages": "idna"}, xsrf=False).status_code == 403
    assert (
        admin.post("api/envs/small/add", {"packages": "idna"}, Origin="http://evil.test").status_code == 403
    )
    assert (
        admin.post("api/tools", {"name": "x", "path": "/opt"}, Sec_Fetch_Site="cross-site").status_code == 403
    )

    # bad input: the CLI's sentence for the field, nothing started
    refusals = [
        ("api/envs/add", {"env": "nope", "packages": "idna"}, "", "there is no environment 'nope'"),
        ("api/envs/small/add", {"packages": "--pre idna"}, "packages", "is not a plain requirement"),
        ("api/envs/small/add", {"packages": ""}, "packages", "Type one or more packages"),
        ("api/envs/small/drop", {"packages": "idna"}, "packages", "'idna' is not in environment 'small'"),
        ("api/envs/small/rollback", {}, "build", "no earlier build"),
        ("api/envs/small/builds/99/rollback", {}, "build", "has no build '99'"),
        ("api/tools", {"name": "Bad Name", "path": str(tool_dir)}, "name", ""),
        ("api/tools", {"name": "marker", "path": "relative/dir"}, "path", "must be absolute"),
        ("api/tools", {"name": "marker", "path": str(tool_dir / "none")}, "path", "is not a folder"),
        ("api/tools", {"name": "marker", "path": str(tool_dir), "env": "1BAD=x"}, "env", ""),
        ("api/tools", {"name": "marker", "path": str(tool_dir), "recipe": "gams"}, "path", "exactly one"),
        ("api/tools/nothing/remove", {}, "", "there is no tool 'nothing'"),
    ]
    for path, data, field, words in refusals:
        answer = admin.post(path, data)
        assert answer.status_code == 400, (path, data, answer.text)
        body = answer.json()
        assert body["field"] == field and body["error"].endswith("."), (path, body)
        assert words in body["error"], (path, body)
    after = (
        installed.config.read_text(),
        (installed.base / "log" / "audit.log").read_text(),
        builds(installed),
    )
    assert after == before
    assert not list((state / "team-page-jobs").glob("*.json"))

    # add a package: a new build, its progress streamed; the hub config and the hub are untouched
    hub_config, pid = (state / "jupyterhub_config.py").read_text(), hub_pid(installed)
    version = member.get("api/state", since="", wait=0).json()["version"]
    added = act(admin, "api/envs/add", {"env": "small", "packages": "idna"})
    assert added["state"] == "done", json.dumps(added)
    assert "idna added to small" in added["message"]
    starts = [line for line in added["all_lines"] if line.endswith("…")]
    assert starts and any(line.startswith("✓") for line in added["all_lines"]), added  # streamed steps
    assert added["away"] == 0
    assert (state / "jupyterhub_config.py").read_text() == hub_config and hub_pid(installed) == pid
    assert 'packages = ["six", "idna"]' in installed.config.read_text()
    assert member.get("api/state", since=version, wait=20).json()["version"] != version
    envs = member.get("fragment/envs").text
    assert re.search(r"<code>idna==[0-9.]+</code>", envs) and "env-history" not in envs
    first, second = builds(installed)[:2]

    # drop it again, then roll back to the build that had it, from the history's button
    dropped = act(admin, "api/envs/small/drop", {"packages": "idna"})
    assert dropped["state"] == "done", dropped
    assert 'packages = ["six"]' in installed.config.read_text()
    history = admin.get("fragment/envs").text
    assert history.count("<tr data-build=") == 3 and "+ idna" in history and "- idna" in history
    assert f'data-post="api/envs/small/builds/{second}/rollback"' in history
    assert f'data-post="api/envs/small/builds/{builds(installed)[-1]}/rollback"' not in history  # live
    rolled = act(admin, f"api/envs/small/builds/{second}/rollback")
    assert rolled["state"] == "done", rolled
    assert 'packages = ["six", "idna"]' in installed.config.read_text()
    assert (
        Paths(config_file=installed.config, prefix=installed.base / "opt").envs / "small" / "current"
    ).resolve().name == second
    assert first != second

    # a path tool with a variable: the command outlives the page through the hub's restart
    added_tool = act(
        admin, "api/tools", {"name": "marker", "path": str(tool_dir), "env": "THTOOL_MARK=mark-7"}
    )
    assert added_tool["state"] == "done", added_tool
    assert hub_pid(installed) != pid, "a tool changes the hub config: the hub restarted"
    assert "THTOOL_MARK" in (state / "jupyterhub_config.py").read_text()
    assert any("Restarting the hub" in line for line in added_tool["all_lines"]), added_tool
    tools = member.get("fragment/tools").text
    assert 'data-tool="marker"' in tools and "THTOOL_MARK = mark-7" in tools and "/remove" not in tools
    assert 'data-post="api/tools/marker/remove"' in admin.get("fragment/tools").text
    # the finished job is still known to the restarted page (kept on disk), and listed as activity
    assert admin.get(f"api/jobs/{added_tool['id']}").json()["state"] == "done"
    assert "Add tool marker" in admin.get("fragment/activity").text

    removed = act(admin, "api/tools/marker/remove")
    assert removed["state"] == "done", removed
    assert "THTOOL_MARK" not in (state / "jupyterhub_config.py").read_text()
    assert "[tools.marker]" not in installed.config.read_text()

    # a failing command's own sentence reaches the page: a tool whose check fails changes nothing
    failing = act(admin, "api/tools", {"name": "broken", "path": str(tool_dir), "check": "false"})
    assert failing["state"] == "failed" and "did not pass its check" in failing["error"], failing
    assert "[tools.broken]" not in installed.config.read_text()

    entries = [(e["who"], e["action"]) for e in audit(installed) if e["action"].startswith(("env", "tool"))]
    assert entries == [
        (lead, "env add small idna"),
        (lead, "env drop small idna"),
        (lead, "env rollback small"),
        (lead, "tool add marker"),
        (lead, "tool remove marker"),
    ]


def test_admin_creates_and_removes_an_environment(installed: Roots):
    lead, bea = installed.name("lead"), installed.name("bea")
    installed.write_team(
        f"[users.{lead}]\nadmin = true\n\n[users.{bea}]\n\n"
        '[envs.small]\npython = "3.11"\npackages = []\ndefault = true\n'
    )
    created = passwords(installed.teamhub("up").stdout)
    admin = page_for(installed, lead, created[lead])
    member = page_for(installed, bea, created[bea])
    for path in ("api/envs", "api/envs/small/remove"):
        assert member.post(path, {"name": "tiny"}).status_code == 403, path
        assert admin.post(path, {"name": "tiny"}, Origin="http://evil.test").status_code == 403, path

    # bad input: the CLI's rules, at the field; nothing written
    before = installed.config.read_text()
    refusals = [
        ({"name": "Bad Name"}, "name", "is not valid"),
        ({"name": "tiny", "python": "three"}, "python", "must look like '3.11'"),
        ({"name": "tiny", "packages": "--pre six"}, "packages", "is not a plain requirement"),
        ({"name": "small"}, "name", "exists"),
    ]
    for data, field, words in refusals:
        answer = admin.post("api/envs", data)
        assert answer.status_code == 400 and answer.json()["field"] == field, (data, answer.text)
        assert words in answer.json()["error"], answer.json()
    missing = admin.post("api/envs/nope/remove")
    assert missing.status_code == 400 and "there is no environment 'nope'" in missing.json()["error"]
    assert installed.config.read_text() == before

    # create: built by the `teamhub env create` command, streamed, offered to everyone's page at once
    version = member.get("api/state", since="", wait=0).json()["version"]
    made = act(admin, "api/envs", {"name": "tiny", "python": "3.11", "packages": "six"})
    assert made["state"] == "done", json.dumps(made)
    assert any(line.startswith("✓") for line in made["all_lines"]), made
    assert "[envs.tiny]" in installed.config.read_text()
    assert member.get("api/state", since=version, wait=20).json()["version"] != version
    assert 'data-env="tiny"' in member.get("fragment/envs").text
    assert (
        """data-options-source="envs" data-options='["small", "tiny"]'""" in admin.get("fragment/envs").text
    )

    # the default cannot go while another environment remains (the CLI's rule), then tiny goes
    default = admin.post("api/envs/small/remove")
    assert default.status_code == 400 and "is the default environment" in default.json()["error"]
    removed = act(admin, "api/envs/tiny/remove")
    assert removed["state"] == "done", json.dumps(removed)
    assert "[envs.tiny]" not in installed.config.read_text()
    assert list((installed.base / "state" / "archive").glob("*tiny*")), "lock files archived"
    entries = [(e["who"], e["action"]) for e in audit(installed) if e["action"].startswith("env")]
    assert entries == [(lead, "env create tiny"), (lead, "env remove tiny")]
