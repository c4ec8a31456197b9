"""End to end, as a user: log in with a token made by the hub, get a server, run code in every kernel."""

from __future__ import annotations

import json
import pwd
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from teamhub.doctor.context import Context
from teamhub.doctor.kernel import KernelError, ServerClient
from teamhub.doctor.result import CheckResult, check, failed, passed, skipped
from teamhub.doctor.visit import VisitFailed

MARK = "TEAMHUB-DOCTOR "
WHOAMI = (
    f'import json, os, sys; print({MARK!r} + json.dumps({{"uid": os.getuid(), "python": sys.executable}}))'
)
KERNEL_TIMEOUT = 60.0


@check("leftovers of a killed doctor run")
def leftovers(ctx: Context) -> Iterator[CheckResult]:
    """Probe users, servers and tokens a killed doctor run left behind are removed first."""
    yield from ctx.sweep()


@check("server starts")
def server_starts(ctx: Context) -> Iterator[CheckResult]:
    """The probe (or --as USER) gets a hub user, a token and a running server, reached through the proxy."""
    who = ctx.as_user or "a probe user"
    if not ctx.hub_answers:
        yield skipped("server starts", "the hub does not answer")
        return
    try:
        ctx.server()
    except VisitFailed as exc:
        yield failed("server starts", f"as {who}: {exc}", "teamhub logs (the hub says why the spawn failed)")
        return
    visit = ctx.visit
    assert visit is not None
    how = "was already running" if visit.was_running else f"ready in {visit.ready_after:.1f} s"
    yield passed("server starts", f"{visit.user} logged in with a hub-made token; server {how}")


def parse_whoami(output: str) -> dict[str, object]:
    """The JSON line the probe code printed."""
    for line in output.splitlines():
        if line.startswith(MARK):
            return json.loads(line[len(MARK) :])
    raise KernelError(f"the kernel printed no answer ({output.strip()[:120]!r})")


def kernel_fix(name: str, spec: dict) -> str:
    """The one-line fix for a kernel that does not run."""
    argv = spec.get("argv") or [""]
    program = str(argv[0])
    if program.startswith("/") and not Path(program).exists():
        return f"kernel {name} starts {program}, which is gone: teamhub apply, or remove that kernelspec"
    return f"teamhub logs; try the kernel {name!r} by hand: {' '.join(map(str, argv[:3]))}"


def _run(client: ServerClient, name: str) -> tuple[str, dict[str, object] | str]:
    try:
        return name, parse_whoami(client.run(name, WHOAMI, KERNEL_TIMEOUT))
    except KernelError as exc:
        return name, str(exc)


@check("kernels run as the user")
def kernels(ctx: Context) -> Iterator[CheckResult]:
    """Every kernel the server offers starts, runs code, and runs as the user (not root, not the hub)."""
    try:
        client = ctx.server()
    except VisitFailed:
        yield skipped("kernels run as the user", "no server to run kernels in")
        return
    visit = ctx.visit
    assert visit is not None
    uid = pwd.getpwnam(visit.user).pw_uid
    try:
        specs = client.kernelspecs()
    except KernelError as exc:
        yield failed("kernels run as the user", str(exc), "teamhub logs")
        return
    if not specs:
        yield failed("kernels run as the user", "the server offers no kernel", "teamhub up")
        return
    with ThreadPoolExecutor(max_workers=min(4, len(specs))) as pool:
        answers = list(pool.map(lambda name: _run(client, name), sorted(specs)))
    for name, answer in answers:
        row = f"kernel {name}"
        if isinstance(answer, str):
            yield failed(row, answer, kernel_fix(name, specs[name]))
        elif answer.get("uid") != uid:
            yield failed(row, f"runs as uid {answer.get('uid')}, not {visit.user} ({uid})", "teamhub up")
        else:
            yield passed(row, f"runs as {visit.user} (uid {uid}) with {answer.get('python')}")


CHECKS = [leftovers, server_starts, kernels]
