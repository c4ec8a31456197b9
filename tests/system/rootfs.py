"""Build, cache and unpack the Debian bookworm root file system that system-test guests boot."""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .proc import CommandError, run_cmd

log = logging.getLogger("teamhub.tests.system")

SUITE = "bookworm"  # systemd 256+ (trixie) refuses the cgroup v1 hierarchies these hosts mount
# login ships /etc/pam.d/login, which JupyterHub's PAM authenticator uses; libpam-systemd
# gives logins a systemd session; procps (ps, pgrep, free) is what a person debugging expects.
BASE_PACKAGES: tuple[str, ...] = (
    "systemd",
    "systemd-sysv",
    "dbus",
    "libpam-systemd",
    "python3",
    "python3-venv",
    "ca-certificates",
    "sudo",
    "login",
    "passwd",
    "procps",
)
HOST_TOOLS = {"systemd-nspawn": "systemd-container", "debootstrap": "debootstrap"}
SBIN_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
GUEST_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
INIT_WRAPPER = "/usr/local/sbin/init-rw-cgroups"
# nspawn mounts the v1 controllers read-only, so MemoryMax/CPUQuota would be accepted but not
# enforced; remounting them read-write before systemd starts makes the limits real.
INIT_WRAPPER_SCRIPT = """#!/bin/sh
# Written by teamhub's system-test harness: make cgroup v1 controllers writable, then boot.
for c in memory cpu cpuacct pids; do
    if [ -d "/sys/fs/cgroup/$c" ]; then mount -o remount,bind,rw "/sys/fs/cgroup/$c" || true; fi
done
exec /lib/systemd/systemd "$@"
"""
_LAYOUT_VERSION = "2"  # bump when the customisation below changes, to rebuild cached tarballs
_TAR_FLAGS = ("--numeric-owner", "--xattrs", "--xattrs-include=*", "--acls")


class HarnessUnavailable(RuntimeError):
    """This host cannot run the system tier (missing tools, no mirror, debootstrap failed)."""


@dataclass(frozen=True)
class AptSource:
    """One `deb` entry of the host's apt sources."""

    uris: tuple[str, ...]
    suites: tuple[str, ...]
    components: tuple[str, ...]


def cache_dir() -> Path:
    """Return the tarball cache folder: $TEAMHUB_TEST_CACHE or /var/cache/teamhub-tests."""
    return Path(os.environ.get("TEAMHUB_TEST_CACHE") or "/var/cache/teamhub-tests")


def host_env() -> dict[str, str]:
    """Return a minimal environment for host commands (apt, debootstrap, tar)."""
    env = {"PATH": SBIN_PATH, "LANG": "C.UTF-8", "DEBIAN_FRONTEND": "noninteractive"}
    for key in ("SSL_CERT_FILE", "http_proxy", "https_proxy", "no_proxy"):
        if key in os.environ:
            env[key] = os.environ[key]
    return env


def which(tool: str) -> str | None:
    """Find a tool on the sbin-inclusive PATH (root's PATH may lack /usr/sbin)."""
    return shutil.which(tool, path=SBIN_PATH)


def ensure_host_tools() -> None:
    """Install systemd-container and debootstrap with apt-get when their tools are missing."""
    missing = sorted({pkg for tool, pkg in HOST_TOOLS.items() if which(tool) is None})
    if not missing:
        return
    if which("apt-get") is None:
        raise HarnessUnavailable(f"missing {', '.join(missing)} and no apt-get to install them")
    install = ["apt-get", "install", "-y", "--no-install-recommends", *missing]
    log.info("installing host tools: %s", missing)
    try:
        run_cmd(install, env=host_env(), timeout=600)
    except CommandError:
        # The package lists may be missing or stale on a fresh machine: update once, retry.
        try:
            run_cmd(["apt-get", "update"], env=host_env(), timeout=600)
            run_cmd(install, env=host_env(), timeout=600)
        except CommandError as exc:
            raise HarnessUnavailable(f"cannot install {', '.join(missing)}: {exc}") from exc
    still = [tool for tool in HOST_TOOLS if which(tool) is None]
    if still:
        raise HarnessUnavailable(f"installed packages but still missing {', '.join(still)}")


def host_apt_sources(etc: Path = Path("/etc/apt")) -> list[AptSource]:
    """Parse the host's `deb` entries from sources.list and sources.list.d/*.{list,sources}."""
    sources: list[AptSource] = []
    one_line = [etc / "sources.list", *sorted((etc / "sources.list.d").glob("*.list"))]
    for path in one_line:
        if path.is_file():
            sources += _parse_one_line(path.read_text(errors="replace"))
    for path in sorted((etc / "sources.list.d").glob("*.sources")):
        sources += _parse_deb822(path.read_text(errors="replace"))
    return sources


def _parse_one_line(text: str) -> list[AptSource]:
    """Parse one-line-style apt sources (`deb [opts] URI SUITE COMPONENT...`)."""
    found = []
    for line in text.splitlines():
        words = re.sub(r"\[[^\]]*\]", " ", line.split("#", 1)[0]).split()
        if len(words) >= 3 and words[0] == "deb":
            found.append(AptSource((words[1],), (words[2],), tuple(words[3:])))
    return found


def _parse_deb822(text: str) -> list[AptSource]:
    """Parse deb822-style apt sources (stanzas of `Key: value` fields)."""
    found = []
    for stanza in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        key = ""
        for line in stanza.splitlines():
            if line.startswith("#") or not line.strip():
                continue
            if line[0].isspace() and key:
                fields[key] += " " + line.strip()
            elif ":" in line:
                key, value = line.split(":", 1)
                key = key.strip().lower()
                fields[key] = value.strip()
        if "deb" not in fields.get("types", "").split():
            continue
        if fields.get("enabled", "yes").lower() == "no":
            continue
        uris, suites = fields.get("uris", "").split(), fields.get("suites", "").split()
        if uris and suites:
            found.append(AptSource(tuple(uris), tuple(suites), tuple(fields.get("components", "").split())))
    return found


def guest_sources(sources: Sequence[AptSource], suite: str = SUITE) -> list[AptSource]:
    """Keep the host's entries for `suite` (and its -updates/-security), main component only."""
    keep = []
    for src in sources:
        suites = tuple(s for s in src.suites if s == suite or s.startswith(suite + "-"))
        if suites and "main" in src.components:
            keep.append(AptSource(src.uris, suites, ("main",)))
    return keep


def debian_mirror(sources: Sequence[AptSource], suite: str = SUITE) -> str:
    """Return the host's mirror URI for `suite` itself (not -security), for debootstrap."""
    for src in guest_sources(sources, suite):
        if suite in src.suites:
            return src.uris[0]
    raise HarnessUnavailable(f"no apt source for {suite} main in the host's /etc/apt")


def _host_apt_acquire_overrides() -> list[str]:
    """Return the host's Acquire::Check-* settings (a snapshot mirror needs them in guests too)."""
    if which("apt-config") is None:
        return []
    dump = run_cmd(["apt-config", "dump"], env=host_env(), check=False).stdout or ""
    keep = ("Acquire::Check-Valid-Until ", "Acquire::Check-Date ")
    return [line for line in dump.splitlines() if line.startswith(keep)]


def rootfs_key(packages: Sequence[str], suite: str = SUITE) -> str:
    """Return the cache key of a root file system: suite, package list and layout version."""
    spec = json.dumps([_LAYOUT_VERSION, suite, sorted(set(packages))])
    return hashlib.sha256(spec.encode()).hexdigest()[:12]


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock file, so parallel test runs build a tarball only once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def ensure_rootfs_tarball(
    extra_packages: Sequence[str] = (), suite: str = SUITE, cache: Path | None = None
) -> Path:
    """Return the cached tarball of a minbase root, building it with debootstrap if absent."""
    cache = cache or cache_dir()
    packages = sorted(set(BASE_PACKAGES) | set(extra_packages))
    tarball = cache / f"{suite}-minbase-{rootfs_key(packages, suite)}.tar"
    if tarball.is_file():
        return tarball
    with _locked(cache / ".lock"):
        if tarball.is_file():  # another run built it while we waited for the lock
            return tarball
        ensure_host_tools()
        _build_tarball(tarball, packages, suite)
    return tarball


def _build_tarball(tarball: Path, packages: Sequence[str], suite: str) -> None:
    """Debootstrap a root into a temporary folder, configure apt in it, and tar it up."""
    sources = guest_sources(host_apt_sources(), suite)
    mirror = debian_mirror(sources, suite)
    work = Path(tempfile.mkdtemp(prefix="teamhub-sys-build-", dir=tarball.parent))
    root = work / "root"
    started = time.monotonic()
    try:
        argv = [
            "debootstrap",
            "--variant=minbase",
            "--components=main",
            f"--include={','.join(packages)}",
            suite,
            str(root),
            mirror,
        ]
        log.info("debootstrap %s from the host's mirror into %s", suite, root)
        try:
            run_cmd(argv, env=host_env(), timeout=1800)
        except CommandError as exc:
            log_file = root / "debootstrap" / "debootstrap.log"
            detail = log_file.read_text(errors="replace")[-3000:] if log_file.is_file() else ""
            raise HarnessUnavailable(f"debootstrap failed: {exc}\n{detail}") from exc
        debootstrap_s = time.monotonic() - started
        _configure_apt(root, sources)
        run_cmd(["chroot", str(root), "apt-get", "clean"], env=host_env())
        _drop_apt_lists(root)
        partial = work / "rootfs.tar"
        run_cmd(["tar", *_TAR_FLAGS, "-C", str(root), "-cf", str(partial), "."], env=host_env())
        partial.replace(tarball)
        manifest = {
            "suite": suite,
            "packages": list(packages),
            "mirror": mirror,
            "built": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "debootstrap_seconds": round(debootstrap_s, 1),
            "total_seconds": round(time.monotonic() - started, 1),
        }
        tarball.with_suffix(".json").write_text(json.dumps(manifest, indent=2) + "\n")
        log.info("built %s in %.0fs", tarball, time.monotonic() - started)
    finally:
        remove_tree(work)


def _drop_apt_lists(root: Path) -> None:
    """Drop debootstrap's package lists (~50 MB): guests run `apt-get update` like a new server."""
    lists = root / "var/lib/apt/lists"
    for entry in lists.iterdir() if lists.is_dir() else []:
        if entry.is_file() and entry.name != "lock":
            entry.unlink()


def _configure_apt(root: Path, sources: Sequence[AptSource]) -> None:
    """Point the guest's apt at the host's mirrors for the suite, with the host's Acquire checks."""
    lines = []
    for src in sources:
        lines += [
            "Types: deb",
            f"URIs: {' '.join(src.uris)}",
            f"Suites: {' '.join(src.suites)}",
            f"Components: {' '.join(src.components)}",
            "",
        ]
    (root / "etc/apt/sources.list.d/debian.sources").write_text("\n".join(lines))
    (root / "etc/apt/sources.list").unlink(missing_ok=True)
    overrides = _host_apt_acquire_overrides()
    if overrides:
        conf = root / "etc/apt/apt.conf.d/99teamhub-test-mirror"
        conf.write_text(
            "// the host's mirror checks, copied by the test harness\n" + "\n".join(overrides) + "\n"
        )


def host_ca_bundle() -> Path:
    """Return the host's CA bundle ($SSL_CERT_FILE or Debian's), which includes any proxy CA."""
    for candidate in (os.environ.get("SSL_CERT_FILE"), GUEST_CA_BUNDLE):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise HarnessUnavailable("no CA bundle on the host (SSL_CERT_FILE or " + GUEST_CA_BUNDLE + ")")


def unpack_rootfs(tarball: Path, root: Path, hostname: str) -> None:
    """Unpack a cached tarball into a new root: a fresh machine id, the init wrapper, host CAs."""
    root.mkdir(mode=0o755)
    run_cmd(["tar", *_TAR_FLAGS, "-xpf", str(tarball), "-C", str(root)], env=host_env())
    (root / "etc/machine-id").write_text(secrets.token_hex(16) + "\n")
    (root / "etc/hostname").write_text(hostname + "\n")
    wrapper = root / INIT_WRAPPER.lstrip("/")
    wrapper.parent.mkdir(parents=True, exist_ok=True)
    wrapper.write_text(INIT_WRAPPER_SCRIPT)
    wrapper.chmod(0o755)
    # The proxy's CA must survive update-ca-certificates runs inside the guest (an apt install of
    # a package with certificates regenerates the bundle), hence the copy in local CAs as well.
    bundle = host_ca_bundle().read_bytes()
    guest_bundle = root / GUEST_CA_BUNDLE.lstrip("/")
    guest_bundle.unlink(missing_ok=True)
    guest_bundle.write_bytes(bundle)
    local = root / "usr/local/share/ca-certificates/teamhub-test-host-bundle.crt"
    local.parent.mkdir(parents=True, exist_ok=True)
    local.write_bytes(bundle)


def mounts_under(path: Path) -> list[str]:
    """Return the host mount points at or below path (there should be none when a guest is down)."""
    prefix = str(path.resolve()).rstrip("/") + "/"
    found = []
    with open("/proc/self/mountinfo") as fh:
        for line in fh:
            point = line.split()[4].replace("\\040", " ")
            if point == prefix.rstrip("/") or point.startswith(prefix):
                found.append(point)
    return found


def remove_tree(path: Path) -> None:
    """Remove a temporary tree, first lazily unmounting anything left mounted below it."""
    if not path.exists():
        return
    for point in sorted(mounts_under(path), key=len, reverse=True):
        run_cmd(["umount", "-l", point], env=host_env(), check=False)
    if mounts_under(path):
        raise RuntimeError(f"refusing to remove {path}: still has mounts {mounts_under(path)}")
    # --one-file-system: never follow into anything that is still mounted below the tree
    run_cmd(["rm", "-rf", "--one-file-system", str(path)], env=host_env(), timeout=300)
