"""Fixtures of the system tier: fresh Debian guests booted with systemd as PID 1 in nspawn."""

from __future__ import annotations

import os
import statistics
from collections.abc import Callable, Generator, Iterator, Sequence
from pathlib import Path
from typing import NoReturn

import pytest

from .nspawn import Guest, HarnessUnavailable, MakeGuest, NspawnUnavailable, sweep_stale
from .rootfs import ensure_host_tools, ensure_rootfs_tarball

HERE = Path(__file__).resolve().parent
_CAP_SYS_ADMIN = 21
_TIMINGS: dict[str, list[float]] = {}
_FIGURES: list[str] = []


def _truthy(name: str) -> bool:
    """True if an environment variable is set to 1/true/yes."""
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes")


def _has_cap_sys_admin() -> bool:
    """True if this process may create namespaces and mounts (nspawn needs CAP_SYS_ADMIN)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("CapEff:"):
            return bool(int(line.split()[1], 16) >> _CAP_SYS_ADMIN & 1)
    return False


def static_skip_reason() -> str | None:
    """Return why the system tier cannot run here, from cheap checks made before any test."""
    if _truthy("TEAMHUB_SKIP_SYSTEM"):
        return "TEAMHUB_SKIP_SYSTEM is set: the system tier (nspawn guests) is opted out"
    if not Path("/proc/self/status").exists():
        return "the system tier needs Linux (systemd-nspawn)"
    if os.geteuid() != 0:
        return "the system tier needs root (debootstrap, systemd-nspawn, nsenter)"
    if not _has_cap_sys_admin():
        return "no CAP_SYS_ADMIN here, so systemd-nspawn cannot create a container"
    return None


def _skip_or_fail(reason: str) -> NoReturn:
    """Skip the tier for an environment problem; fail instead if TEAMHUB_SYSTEM_STRICT is set."""
    if _truthy("TEAMHUB_SYSTEM_STRICT"):
        pytest.fail(f"system tier cannot run (TEAMHUB_SYSTEM_STRICT is set): {reason}")
    pytest.skip(f"system tier cannot run here: {reason}")


@pytest.hookimpl(tryfirst=True)  # before pytest's own hook applies `-m system` to the items
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test of this folder `system`, and skip them all when the host cannot run them."""
    ours = [item for item in items if HERE in Path(item.path).resolve().parents]
    reason = static_skip_reason() if ours else None
    for item in ours:
        item.add_marker(pytest.mark.system)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Remember each phase's report on the item, so the guest fixture can tell a failure."""
    report = yield
    setattr(item, f"_system_report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def system_rootfs() -> Path:
    """Return the cached root tarball (built if needed) once nspawn has proved it works here."""
    try:
        sweep_stale()
        ensure_host_tools()
        tarball = ensure_rootfs_tarball()
        # Decide "cannot work here" once, with /bin/true, so that a guest that later fails to
        # boot is a test failure and never a skip.
        with Guest.create() as probe:
            probe.probe()
    except (HarnessUnavailable, NspawnUnavailable) as exc:
        _skip_or_fail(str(exc))
    return tarball


@pytest.fixture
def make_guest(system_rootfs: Path, request: pytest.FixtureRequest) -> Iterator[MakeGuest]:
    """Return a factory of booted guests (boot=False leaves one unbooted); all are cleaned up."""
    guests: list[Guest] = []

    def make(*, extra_packages: Sequence[str] = (), boot: bool = True) -> Guest:
        guest = Guest.create(extra_packages=extra_packages)
        guests.append(guest)
        if boot:
            guest.boot()
        return guest

    try:
        yield make
    finally:
        failed = any(
            getattr(getattr(request.node, f"_system_report_{when}", None), "failed", False)
            for when in ("setup", "call")
        )
        errors: list[BaseException] = []
        for guest in guests:
            if failed and guest.console_log.exists():
                text = guest.console_log.read_text(errors="replace")[-6000:]
                request.node.add_report_section("teardown", f"console of {guest.name}", text)
            try:
                guest.cleanup()
            except BaseException as exc:  # clean up the other guests before reporting it
                errors.append(exc)
            for step, seconds in guest.timings.items():
                _TIMINGS.setdefault(step, []).append(seconds)
        if errors:
            raise errors[0]


@pytest.fixture
def guest(make_guest: MakeGuest) -> Guest:
    """Return a fresh, booted Debian bookworm guest; it is stopped and removed after the test."""
    return make_guest()


def _load() -> str:
    """The 1/5/15-minute load averages, for reading the figures."""
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


@pytest.fixture
def figures() -> Callable[[str], None]:
    """Record a line for the run's summary ("system tier: figures"): measured, never asserted."""
    return _FIGURES.append


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the figures the tests measured, and how long guests took to unpack, boot and stop."""
    if _FIGURES:
        terminalreporter.section(f"system tier: figures (load average at the end: {_load()})")
        for line in _FIGURES:
            terminalreporter.write_line(line)
    if not _TIMINGS:
        return
    terminalreporter.section("system tier: guest timings (seconds)")
    for step, values in sorted(_TIMINGS.items()):
        terminalreporter.write_line(
            f"{step:>9}: n={len(values)} median={statistics.median(values):.2f} "
            f"min={min(values):.2f} max={max(values):.2f}"
        )
