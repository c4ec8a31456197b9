"""The system-test harness itself: a guest boots, runs commands, enforces limits, reboots."""

from __future__ import annotations

import json
import os
import secrets
import signal
import urllib.request
from pathlib import Path

import pytest

from .nspawn import CommandError, Guest, GuestError, MakeGuest, free_port, wait_for_port
from .proc import pids_rooted_under

NSPAWN_RUN = Path("/run/systemd/nspawn")
ALLOCATE_300MB = "s = b'x' * (300 * 1024 * 1024); print(len(s))"


def test_guest_boots_with_systemd_as_pid1(guest: Guest) -> None:
    assert guest.run(["cat", "/proc/1/comm"]).stdout.strip() == "systemd"
    assert guest.run(["systemctl", "is-system-running"], check=False).stdout.strip() == "running"
    assert guest.run(["systemctl", "--failed", "--no-legend", "--plain"]).stdout.strip() == ""
    assert guest.run(["systemd-detect-virt", "--container"]).stdout.strip() == "systemd-nspawn"
    assert guest.run(["hostname"]).stdout.strip() == guest.name
    release = guest.run(["cat", "/etc/os-release"]).stdout
    assert "VERSION_CODENAME=bookworm" in release


def test_run_uses_a_clean_environment_and_the_right_user(guest: Guest) -> None:
    assert guest.run(["id", "-u"]).stdout.strip() == "0"
    env = dict(line.split("=", 1) for line in guest.run(["env"]).stdout.splitlines() if "=" in line)
    assert env["HOME"] == "/root" and env["LANG"] == "C.UTF-8"
    assert env["SSL_CERT_FILE"] == env["PIP_CERT"] == "/etc/ssl/certs/ca-certificates.crt"
    assert env["UV_NATIVE_TLS"] == "1"
    assert "PYTHONDONTWRITEBYTECODE" not in env  # nothing leaks in from the host
    name = "th" + secrets.token_hex(3)
    guest.run(["useradd", "-m", "-K", "HOME_MODE=0700", "-s", "/bin/bash", name])
    uid = guest.passwd_entry(name)[2]
    assert int(uid) >= 1000
    assert guest.run(["id", "-u"], user=name).stdout.strip() == uid
    assert guest.run(["sh", "-c", "echo $HOME"], user=name).stdout.strip() == f"/home/{name}"
    assert guest.run(["pwd"], user=name, cwd=f"/home/{name}").stdout.strip() == f"/home/{name}"
    assert guest.run(["stat", "-c", "%a %U", f"/home/{name}"]).stdout.split() == ["700", name]
    denied = guest.run(["ls", "/root"], user=name, check=False)
    assert denied.returncode != 0 and "Permission denied" in denied.stderr
    assert guest.run(["cat"], input="héllo\n").stdout == "héllo\n"
    assert guest.run(["sh", "-c", "echo $X"], env={"X": "set"}).stdout.strip() == "set"
    assert guest.run(["false"], check=False).returncode == 1
    with pytest.raises(CommandError, match="returned non-zero exit status 3"):
        guest.run(["sh", "-c", "echo oops >&2; exit 3"])


def test_memory_limit_kills_a_unit_that_allocates_past_it(guest: Guest) -> None:
    limited = guest.run(
        [
            "systemd-run",
            "--wait",
            "--pipe",
            "-p",
            "MemoryMax=100M",
            "python3",
            "-c",
            ALLOCATE_300MB,
        ],
        check=False,
    )
    assert limited.returncode != 0, limited.stdout
    assert "status=KILL" in limited.stderr or "oom-kill" in limited.stderr, limited.stderr
    free = guest.run(["systemd-run", "--wait", "--pipe", "python3", "-c", ALLOCATE_300MB])
    assert free.stdout.strip() == str(300 * 1024 * 1024)


def test_cpu_quota_holds_a_busy_loop_down(guest: Guest) -> None:
    # 0.4 s of CPU work; at 20% of one CPU it cannot finish in under ~2 s of wall time, however
    # idle or busy the host is (a busy host only makes it slower, never faster).
    burn = (
        "import time\n"
        "c, w = time.process_time(), time.monotonic()\n"
        "while time.process_time() - c < 0.4: pass\n"
        "print(time.monotonic() - w)"
    )
    argv = ["systemd-run", "--wait", "--pipe", "-p", "CPUQuota=20%", "python3", "-c", burn]
    assert float(guest.run(argv).stdout) > 1.6


def test_reboot_comes_back_running_on_the_same_root(guest: Guest) -> None:
    guest.write_file("/var/lib/teamhub-test/kept", "disk\n")
    guest.write_file("/run/teamhub-test-gone", "tmpfs\n")
    leader = guest.leader_pid
    guest.reboot()
    assert guest.leader_pid != leader
    assert guest.run(["systemctl", "is-system-running"]).stdout.strip() == "running"
    assert guest.read_file("/var/lib/teamhub-test/kept") == "disk\n"
    assert guest.run(["test", "-e", "/run/teamhub-test-gone"], check=False).returncode == 1


def test_pip_installs_from_pypi_with_the_guest_ca_settings(guest: Guest) -> None:
    guest.run(["python3", "-m", "venv", "/tmp/v"])
    guest.run(["/tmp/v/bin/pip", "install", "--no-cache-dir", "six"], timeout=300)
    out = guest.run(["/tmp/v/bin/python", "-c", "import six; print(six.__name__)"]).stdout
    assert out.strip() == "six"


def test_apt_installs_a_package_from_the_hosts_mirror(guest: Guest) -> None:
    assert guest.run(["sh", "-c", "command -v setfacl"], check=False).returncode != 0
    guest.run(["apt-get", "update"], timeout=300)
    guest.run(["apt-get", "install", "-y", "--no-install-recommends", "acl"], timeout=300)
    guest.run(["setfacl", "-m", "u:nobody:r", "/etc/hostname"])
    assert "user:nobody:r--" in guest.run(["getfacl", "/etc/hostname"]).stdout


def test_copy_in_puts_files_where_the_running_guest_sees_them(guest: Guest, tmp_path: Path) -> None:
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    (tmp_path / "pkg" / "sub" / "mod.py").write_text("VALUE = 42\n")
    (tmp_path / "pkg" / ".venv").mkdir()
    (tmp_path / "pkg" / ".venv" / "junk").write_text("host only\n")
    (tmp_path / "single.txt").write_text("one file\n")
    guest.copy_in(tmp_path / "pkg", "/opt/checkout", exclude=[".venv"])
    guest.copy_in(tmp_path / "single.txt", "/tmp/renamed.txt")  # /tmp is the guest's tmpfs
    assert guest.read_file("/opt/checkout/sub/mod.py") == "VALUE = 42\n"
    assert guest.run(["test", "-e", "/opt/checkout/.venv"], check=False).returncode == 1
    assert guest.read_file("/tmp/renamed.txt") == "one file\n"
    owner = guest.run(["stat", "-c", "%U", "/opt/checkout/sub/mod.py"]).stdout.strip()
    assert owner == "root"


def test_a_guest_server_is_reachable_from_the_host(guest: Guest) -> None:
    port = free_port()
    guest.write_file("/srv/www/hello.txt", "from the guest\n")
    guest.run(
        [
            "systemd-run",
            "--unit=teamhub-test-http",
            "--working-directory=/srv/www",
            "python3",
            "-m",
            "http.server",
            "--bind",
            "127.0.0.1",
            str(port),
        ]
    )
    wait_for_port(port, timeout=30)
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/hello.txt", timeout=10) as resp:
        assert resp.read() == b"from the guest\n"
    guest.run(["systemctl", "stop", "teamhub-test-http"])


def test_cleanup_stops_everything_and_removes_the_guest(make_guest: MakeGuest) -> None:
    guest = make_guest()
    groups = json.loads((guest.workdir / "owner.json").read_text())["cgroups"]
    assert groups and all(Path(g).is_dir() for g in groups)
    nspawn_pid = json.loads((guest.workdir / "owner.json").read_text())["nspawn"]
    # a stray process started inside the guest outside any unit must not survive either
    guest.run(["sh", "-c", "setsid -f sleep 600 >/dev/null 2>&1 </dev/null"])
    assert guest.run(["pgrep", "-x", "sleep"]).stdout.strip()
    guest.cleanup()
    assert not guest.workdir.exists()
    assert not pids_rooted_under(guest.workdir)
    assert not any(Path(g).exists() for g in groups)
    assert not (NSPAWN_RUN / "propagate" / guest.name).exists()
    with pytest.raises(ProcessLookupError):
        os.kill(nspawn_pid, 0)
    guest.cleanup()  # a second call is harmless


def test_cleanup_after_nspawn_was_killed_leaves_nothing(make_guest: MakeGuest) -> None:
    guest = make_guest()
    owner = json.loads((guest.workdir / "owner.json").read_text())
    root = guest.root.stat()
    lock = NSPAWN_RUN / "locks" / f"inode-{root.st_dev}:{root.st_ino}"
    assert lock.exists()
    os.kill(owner["nspawn"], signal.SIGKILL)  # the guest's systemd lives on, orphaned
    guest.cleanup()
    assert not guest.workdir.exists()
    assert not any(Path(g).exists() for g in owner["cgroups"])
    assert not (NSPAWN_RUN / "propagate" / guest.name).exists()
    assert not lock.exists()


def test_a_guest_can_be_prepared_before_it_boots(make_guest: MakeGuest) -> None:
    guest = make_guest(boot=False)
    guest.write_file("/etc/teamhub-test.conf", "prepared\n")
    guest.boot()
    assert guest.read_file("/etc/teamhub-test.conf") == "prepared\n"


def test_a_guest_that_cannot_boot_fails_with_its_console_and_leaves_nothing(
    make_guest: MakeGuest,
) -> None:
    guest = make_guest(boot=False)
    (guest.root / "usr/local/sbin/init-rw-cgroups").unlink()
    with pytest.raises(GuestError, match=r"exited with .* before the guest.s systemd started"):
        guest.boot()
    assert not guest.booted
    assert "init-rw-cgroups" in guest.console_log.read_text()
    assert not pids_rooted_under(guest.workdir)
    groups = json.loads((guest.workdir / "owner.json").read_text())["cgroups"]
    assert groups and not any(Path(g).exists() for g in groups)
