"""PAM login for the team's members only, read from <state>/members.json at each login, throttled."""

from __future__ import annotations

import asyncio
import json
import os
from contextlib import AsyncExitStack
from pathlib import Path

from jupyterhub.auth import PAMAuthenticator
from tornado import web
from tornado.concurrent import run_on_executor
from traitlets import Integer, Unicode, default

from teamhub.hubside import pamcheck
from teamhub.hubside.throttle import LoginThrottle, Policy, forwarded_client


def client_address(handler) -> str:  # type: ignore[no-untyped-def]
    """The client's address as the throttle counts it (see throttle.forwarded_client)."""
    if handler is None:
        return ""
    forwarded = handler.request.headers.get("X-Forwarded-For", "")
    return forwarded_client(forwarded, handler.request.remote_ip or "")


# Logins that nothing vouches for take turns for PAM, so hashing for guesses never takes the core a
# member needs (docs/production.md, "Login throttling"). *Newcomers*, logins from an address nobody
# has logged in from successfully, hash at most one fewer at a time than the machine has cores: a
# first guess looks like anyone's first login. The lane goes by address, not by name/address pair,
# so a team behind one router is not queued once one of them has logged in from it. *Suspects*
# take one turn of their own before that: names not in the team, names or addresses that already
# failed, names with another login being checked, and, while suspects are being checked, names
# logging in from an address they never used. Lowering suspect threads' niceness instead made
# things worse: a low-priority thread holding the GIL stalled the hub's event loop.
SUSPECT_SLOTS = 1


def newcomer_slots() -> int:
    """How many logins from addresses nobody logged in from may hash at once: all cores but one."""
    return max(1, len(os.sched_getaffinity(0)) - 1)


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
        # PAM checks run in these threads while they hash (PAM's failure delay is slept on the event
        # loop, see pamcheck): more than JupyterHub's 4, so a burst of logins does not queue.
        return 32

    _throttle: LoginThrottle | None = None
    _suspect_turns: asyncio.Semaphore | None = None
    _newcomer_turns: asyncio.Semaphore | None = None
    suspects_in_pam = 0  # suspect logins waiting for their turn or in PAM now

    @property
    def suspect_turns(self) -> asyncio.Semaphore:
        """The queue suspect logins wait in for their PAM check."""
        if self._suspect_turns is None:
            self._suspect_turns = asyncio.Semaphore(SUSPECT_SLOTS)
        return self._suspect_turns

    @property
    def newcomer_turns(self) -> asyncio.Semaphore:
        """The queue logins from unknown addresses (and suspects) wait in."""
        if self._newcomer_turns is None:
            self._newcomer_turns = asyncio.Semaphore(newcomer_slots())
        return self._newcomer_turns

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
        throttle = self.throttle
        name, address = str(data.get("username", "")), client_address(handler)
        members = self.members()
        suspect = self.normalize_username(name) not in members
        known, newcomer = False, False
        if throttle is not None:
            known = throttle.known(name, address)
            newcomer = not known and not throttle.address_known(address)
            suspect = suspect or throttle.busy(name, address)
            # while guesses are being checked, a first login from a new address waits its turn too
            suspect = suspect or (self.suspects_in_pam > 0 and not known)
            lock = throttle.begin(name, address)
            if lock is not None:
                self.log.warning("Login for %r from %s refused: %s", name[:32], address, lock.message())
                error = web.HTTPError(429, lock.message())
                error.headers = {"Retry-After": str(int(lock.remaining) + 1)}  # type: ignore[attr-defined]
                raise error
        result = None
        try:
            username = await self._checked(handler, data, suspect, newcomer)
            if username is not None and self.normalize_username(username) in members:
                member = members[self.normalize_username(username)]
                result = {"name": username, "admin": bool(member.get("admin"))}
        finally:
            if throttle is not None:
                throttle.finish(name, address, ok=result is not None)
        return result

    async def _checked(self, handler, data, suspect: bool, newcomer: bool) -> str | None:  # type: ignore[no-untyped-def]
        """The user name when PAM accepts the password; PAM's failure delay is slept here, on the loop."""
        async with AsyncExitStack() as turns:
            if suspect:
                self.suspects_in_pam += 1
                turns.callback(self._suspect_done)
                await turns.enter_async_context(self.suspect_turns)
            if suspect or newcomer:
                await turns.enter_async_context(self.newcomer_turns)
            verdict = await self._pam(data)
        if verdict.ok:
            return str(data["username"])
        shown = str(data.get("username", ""))[:32]
        address = handler.request.remote_ip if handler is not None else ""
        self.log.warning("PAM Authentication failed (%r@%s): %s", shown, address, verdict.error)
        await asyncio.sleep(verdict.delay_s)
        return None

    def _suspect_done(self) -> None:
        self.suspects_in_pam -= 1

    @run_on_executor
    def _pam(self, data) -> pamcheck.Verdict:  # type: ignore[no-untyped-def]
        """PAM's check of the name and password (and account), in a pool thread."""
        return pamcheck.check(str(data["username"]), str(data["password"]), self.service, self.encoding)
