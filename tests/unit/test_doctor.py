"""The doctor's pure parts: parsing, verdicts, exit codes, kernel messages, undo records, the registry."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import types
from pathlib import Path

import pytest

from teamhub.doctor import render, undo
from teamhub.doctor.checks import disk, e2e, exposure, files, service
from teamhub.doctor.checks.accounts import blocked_at
from teamhub.doctor.context import Context
from teamhub.doctor.kernel import KernelError, _execute, execute_request
from teamhub.doctor.registry import Run, run_checks
from teamhub.doctor.result import CheckResult, check, failed, passed, warned
from teamhub.paths import Paths
from teamhub.team.load import TeamFile, parse

TCP = """  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0
   1: 00000000:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0
   2: 0100007F:1F41 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 3 1 0
   3: 0100007F:1F40 0100007F:D000 01 00000000:00000000 00:00000000 00000000     0        0 4 1 0
"""
TCP6 = """  sl  local_address                         remote_address                        st
   0: 00000000000000000000000001000000:1F40 00000000000000000000000000000000:0000 0A 0
   1: 0000000000000000FFFF00000100007F:1F40 00000000000000000000000000000000:0000 0A 0
"""


def test_listeners_reads_ipv4_and_ipv6_listening_sockets_of_the_port(tmp_path: Path):
    (tmp_path / "tcp").write_text(TCP)
    (tmp_path / "tcp6").write_text(TCP6)
    assert exposure.listeners(8000, tmp_path) == ["0.0.0.0", "127.0.0.1", "::1"]
    assert exposure.listeners(8001, tmp_path) == ["127.0.0.1"]
    assert exposure.listeners(9999, tmp_path) == []


def test_exposed_leaves_out_loopback_and_the_tailnet():
    addresses = ["127.0.0.1", "::1", "100.101.102.103", "fd7a:115c:a1e0::1", "0.0.0.0", "192.168.1.4", "::"]
    assert exposure.exposed(addresses) == ["0.0.0.0", "192.168.1.4", "::"]


def test_https_is_seen_in_the_admins_config(tmp_path: Path):
    assert not exposure.uses_https(tmp_path)
    (tmp_path / "tls.py").write_text("c.JupyterHub.ssl_cert = '/etc/ssl/hub.pem'\n")
    assert exposure.uses_https(tmp_path)


@pytest.mark.parametrize(
    ("free_gib", "total_gib", "expected"),
    [(100, 200, "pass"), (0.5, 10, "fail"), (3, 10, "warn"), (8, 500, "fail"), (40, 500, "warn")],
)
def test_disk_verdict(free_gib: float, total_gib: float, expected: str):
    assert disk.verdict(int(free_gib * disk.GIB), int(total_gib * disk.GIB)) == expected


def test_existing_climbs_to_a_parent_that_exists(tmp_path: Path):
    assert disk.existing(tmp_path / "not" / "yet") == tmp_path


def test_exit_codes_and_json():
    ok = Run([passed("a", "fine")])
    warn = Run([passed("a", "fine"), warned("b", "hm", "do x")])
    bad = Run([failed("c", "broken", "do y"), warned("b", "hm", "do x")])
    assert [render.exit_code(r, strict=False) for r in (ok, warn, bad)] == [0, 0, 1]
    assert [render.exit_code(r, strict=True) for r in (ok, warn, bad)] == [0, 1, 1]
    assert render.exit_code(Run([passed("a", "fine")], interrupted=True), strict=False) == 130
    document = render.as_json(bad, strict=False)
    assert document["ok"] is False and document["failed"] == 1 and document["warnings"] == 1
    assert document["checks"][0] == {"status": "fail", "name": "c", "seen": "broken", "fix": "do y"}
    assert render.summary(warn) == "0 failed, 1 warning(s), 1 passed"


class FakeSocket:
    """Replays kernel messages to _execute."""

    def __init__(self, replies: list[dict]) -> None:
        self.replies = replies
        self.sent: list[dict] = []

    def send(self, text: str) -> None:
        self.sent.append(json.loads(text))

    def settimeout(self, seconds: float) -> None:
        pass

    def recv(self) -> str:
        return json.dumps(self.replies.pop(0))


def _reply(msg_id: str, kind: str, content: dict) -> dict:
    return {"msg_type": kind, "parent_header": {"msg_id": msg_id}, "content": content}


def _scripted(kind_contents: list[tuple[str, dict]]) -> FakeSocket:
    sock = FakeSocket([])
    original_send = sock.send

    def send(text: str) -> None:
        original_send(text)
        msg_id = sock.sent[-1]["header"]["msg_id"]
        other = _reply("someone-else", "stream", {"name": "stdout", "text": "not mine\n"})
        sock.replies = [other, *[_reply(msg_id, kind, content) for kind, content in kind_contents]]

    sock.send = send  # type: ignore[method-assign]
    return sock


def test_execute_collects_output_until_idle():
    sock = _scripted(
        [
            ("status", {"execution_state": "busy"}),
            ("stream", {"name": "stdout", "text": "hello\n"}),
            ("execute_result", {"data": {"text/plain": "42"}}),
            ("status", {"execution_state": "idle"}),
        ]
    )
    assert _execute(sock, "print('hello'); 42", timeout=5) == "hello\n42\n"  # type: ignore[arg-type]
    assert sock.sent[0]["content"]["code"] == "print('hello'); 42"


def test_execute_raises_the_error_and_a_dead_kernel():
    sock = _scripted(
        [
            ("error", {"ename": "ModuleNotFoundError", "evalue": "No module named 'pandas'"}),
            ("status", {"execution_state": "idle"}),
        ]
    )
    with pytest.raises(KernelError, match="ModuleNotFoundError: No module named 'pandas'"):
        _execute(sock, "import pandas", timeout=5)  # type: ignore[arg-type]
    dead = FakeSocket([{"msg_type": "status", "parent_header": {}, "content": {"execution_state": "dead"}}])
    with pytest.raises(KernelError, match="died"):
        _execute(dead, "1", timeout=5)  # type: ignore[arg-type]


def test_execute_request_is_a_shell_message():
    msg_id, text = execute_request("1 + 1")
    message = json.loads(text)
    assert message["header"]["msg_id"] == msg_id and message["channel"] == "shell"
    assert message["header"]["msg_type"] == "execute_request"


def test_whoami_parsing_and_kernel_fixes(tmp_path: Path):
    assert e2e.parse_whoami('noise\nTEAMHUB-DOCTOR {"uid": 1001, "python": "/x"}\n') == {
        "uid": 1001,
        "python": "/x",
    }
    with pytest.raises(KernelError):
        e2e.parse_whoami("nothing\n")
    gone = tmp_path / "env" / "bin" / "python"
    assert e2e.kernel_fix("py", {"argv": [str(gone), "-m", "ipykernel_launcher"]}).startswith(
        f"kernel py starts {gone}, which is gone"
    )
    assert e2e.kernel_fix("py", {"argv": ["python", "-m", "ipykernel_launcher"]}).startswith("teamhub logs")


def test_installed_versions_from_dist_info_folders(tmp_path: Path):
    site = tmp_path / "lib" / "python3.11" / "site-packages"
    for name in ("jupyterhub-6.1.1", "jupyterlab-4.6.6", "configurable_http_proxy-0.4.0", "requests-2.0"):
        (site / f"{name}.dist-info").mkdir(parents=True)
    assert service.installed_versions(tmp_path) == {
        "jupyterhub": "6.1.1",
        "jupyterlab": "4.6.6",
        "configurable_http_proxy": "0.4.0",
    }


def test_world_writable_names_files_and_folders_but_not_links(tmp_path: Path):
    (tmp_path / "ok").write_text("")
    (tmp_path / "open").mkdir()
    (tmp_path / "open" / "bad").write_text("")
    os.chmod(tmp_path / "open" / "bad", 0o666)
    os.chmod(tmp_path / "open", 0o777)
    (tmp_path / "link").symlink_to("/tmp")
    shown, count = files.world_writable(tmp_path)
    assert count == 2
    assert shown == [f"{tmp_path}/open (0777)", f"{tmp_path}/open/bad (0666)"]


def test_blocked_at_names_the_first_closed_folder():
    base = Path(tempfile.mkdtemp(prefix="doctor-unit-"))  # pytest's own tmp folders are 0700
    closed = base / "opt"
    try:
        os.chmod(base, 0o755)
        (closed / "hub" / "bin").mkdir(parents=True)
        os.chmod(closed, 0o700)
        assert blocked_at(closed / "hub" / "bin" / "python", uid=99999, gids=set()) == closed
        os.chmod(closed, 0o711)
        assert blocked_at(closed / "hub" / "bin" / "python", uid=99999, gids=set()) is None
    finally:
        shutil.rmtree(base)


def _team_file(tmp_path: Path) -> TeamFile:
    text = f'[paths]\nprefix = "{tmp_path}/opt"\ndata = "{tmp_path}/srv"\nstate = "{tmp_path}/state"\n'
    path = tmp_path / "team.toml"
    return TeamFile(path=path, text=text, team=parse(text, path))


def test_undo_records_live_until_finished_and_a_dead_run_is_an_orphan(tmp_path: Path):
    paths = Paths(config_file=tmp_path / "team.toml", state=tmp_path / "state")
    record = undo.UndoRecord.begin(paths, "thdoc-00000000")
    record.add(undo.ACCOUNT)
    record.add(undo.TOKEN + "a7")
    (loaded,) = undo.load_records(paths)
    assert loaded.actions == ["account", "token:a7"] and not loaded.is_orphan()
    record.drop(undo.ACCOUNT)
    assert undo.load_records(paths)[0].actions == ["token:a7"]
    folder = undo.records_dir(paths)
    dead = undo.UndoRecord(folder / "run-1.json", "thdoc-11111111", pid=2**22 + 7, started="1")
    dead.save()
    assert [r.user for r in undo.load_records(paths) if r.is_orphan()] == ["thdoc-11111111"]
    record.finish()
    dead.finish()
    assert undo.load_records(paths) == []


def test_a_broken_check_becomes_a_failure_and_an_interrupt_still_cleans_up(tmp_path: Path):
    @check("explodes")
    def explodes(ctx: Context) -> list[CheckResult]:
        raise ValueError("boom")

    @check("fine")
    def fine(ctx: Context) -> list[CheckResult]:
        return [passed("fine", "ok")]

    @check("interrupted")
    def interrupted(ctx: Context) -> list[CheckResult]:
        raise KeyboardInterrupt

    closed: list[bool] = []

    class Tracked(Context):
        def close(self) -> list[CheckResult]:
            closed.append(True)
            return [passed("doctor cleaned up", "nothing to undo")]

    ctx = Tracked(_team_file(tmp_path))
    run = run_checks(ctx, (types.SimpleNamespace(CHECKS=[explodes, fine]),))  # type: ignore[arg-type]
    assert [(r.status, r.name) for r in run.results] == [
        ("fail", "explodes"),
        ("pass", "fine"),
        ("pass", "doctor cleaned up"),
    ]
    assert "ValueError: boom" in run.results[0].seen and not run.interrupted
    run = run_checks(ctx, (types.SimpleNamespace(CHECKS=[interrupted, fine]),))  # type: ignore[arg-type]
    assert run.interrupted and closed == [True, True]
    assert [r.name for r in run.results] == ["doctor finished", "doctor cleaned up"]
