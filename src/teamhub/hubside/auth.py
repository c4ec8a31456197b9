"""PAM login for the team's members only, read from <state>/members.json at each login, throttled."""

from __future__ import annotations

import contextlib
import json
import os
import threading
from pathlib import Path

from jupyterhub.auth import PAMAuthenticator
from tornado import web
from tornado.concurrent import run_on_executor
from traitlets import Integer, Unicode, default

from teamhub.hubside.throttle import LoginThrottle, Policy, forwarded_client


def client_address(handler) -> str:  # type: ignore[no-untyped-def]
    """The client's address as the throttle counts it (see throttle.forwarded_client)."""
    if handler is None:
        return ""
    forwarded = handler.request.headers.get("X-Forwarded-For", "")
    return forwarded_client(forwarded, handler.request.remote_ip or "")


# Password hashing is CPU work: PAM checks of names that are not in the team, or whose name or
# address already failed or has other logins running, get the CPU only when others leave it.
SUSPECT_NICENESS = 15


def set_thread_niceness(value: int) -> None:
    """Set this thread's nice value (Linux: per thread); quietly nothing without the right to."""
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), value)


class TeamAuthenticator(PAMAuthenticator):
    """PAM, limited to the current team; admin rights follow the team file at each login."""

    members_file = Unicode(
        help="JSON file written by `teamhub apply`: {'users': {name: {'admin': bool}}}."
    ).tag(config=True)
    throttle_file = Unicode(
        "", help="sqlite file of failed logins and locks, shared with `teamhub user unlock`."
    ).tag(config=True)
    max_failures = Integer(5, help="Failed logins for one name within the window that lock it.").tag(
        config=True
    )
    address_max_failures = Integer(
        20, help="Failed logins from one client address within the window that lock it."
    ).tag(config=True)
    failure_window = Integer(300, help="Seconds within which failures are counted.").tag(config=True)
    lockout = Integer(300, help="Seconds a locked name or address is refused.").tag(config=True)

    @default("executor_threads")
    def _default_executor_threads(self) -> int:
        # PAM sleeps ~3 s in its thread after a wrong password: with JupyterHub's 4 threads, a few
        # wrong passwords would queue everyone else's login behind them.
        return 32

    _throttle: LoginThrottle | None = None

    @property
    def throttle(self) -> LoginThrottle | None:
        """The shared throttle (None when no throttle file is configured)."""
        if self._throttle is None and self.throttle_file:
            policy = Policy(self.max_failures, self.address_max_failures, self.failure_window, self.lockout)
            self._throttle = LoginThrottle(Path(self.throttle_file), policy)
        return self._throttle

    def members(self) -> dict[str, dict[str, bool]]:
        """The team as last applied (empty when the file is missing or broken)."""
        try:
            return json.loads(Path(self.members_file).read_text()).get("users", {})
        except (OSError, ValueError):
            self.log.error("cannot read the team members file %s", self.members_file)
            return {}

    def check_allowed(self, username: str, authentication: dict | None = None) -> bool:
        """Only team members may log in, whatever the hub's database remembers."""
        return username in self.members()

    async def authenticate(self, handler, data):  # type: ignore[no-untyped-def]
        """Refuse locked names and addresses before PAM; PAM; count the outcome; mark admins."""
        import time as _t
        t0 = _t.perf_counter()
        throttle = self.throttle
        name, address = str(data.get("username", "")), client_address(handler)
        members = self.members()
        suspect = self.normalize_username(name) not in members
        if throttle is not None:
            suspect = suspect or throttle.busy(name, address)
            lock = throttle.begin(name, address)
            if lock is not None:
                self.log.warning("Login for %r from %s refused: %s", name[:32], address, lock.message())
                error = web.HTTPError(429, lock.message())
                error.headers = {"Retry-After": str(int(lock.remaining) + 1)}  # type: ignore[attr-defined]
                raise error
        result = None
        t1 = _t.perf_counter()
        self._diag = getattr(self, "_diag", {})
        try:
            found = await self._pam(handler, data, SUSPECT_NICENESS if suspect else 0)
            t2 = _t.perf_counter()
            if found is not None:
                username = found if isinstance(found, str) else found["name"]
                if self.normalize_username(username) in members:
                    member = members[self.normalize_username(username)]
                    result = {"name": username, "admin": bool(member.get("admin"))}
        finally:
            if throttle is not None:
                throttle.finish(name, address, ok=result is not None)
            t3 = _t.perf_counter()
            self.log.warning("PAMDIAG %s queued=%.0f suspect=%s pre=%.0f pam=%.0f post=%.0f", name[-6:], (_t.time() - (t3 - t0) - handler.request._start_time)*1000, suspect, (t1-t0)*1000, (t2-t1)*1000, (t3-t2)*1000)
        return result

    @run_on_executor
    def _pam(self, handler, data, niceness: int):  # type: ignore[no-untyped-def]
        """PAMAuthenticator's PAM check, in a pool thread running at `niceness`."""
        import time as _t
        s0 = _t.perf_counter(); c0 = _t.thread_time()
        if niceness:
            set_thread_niceness(niceness)
        try:
            return PAMAuthenticator.authenticate.__wrapped__(self, handler, data)
        finally:
            self.log.warning("PAMDIAG thread %s wall=%.0f cpu=%.0f", data.get("username","")[-6:], (_t.perf_counter()-s0)*1000, (_t.thread_time()-c0)*1000)
            if niceness:
                set_thread_niceness(0)
