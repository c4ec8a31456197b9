"""Which logins wait their turn for PAM: logins from known addresses never do; newcomers and suspects do.

PAM itself is replaced by a gate the test opens (real PAM is exercised in tests/host/test_login_throttle.py).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from types import SimpleNamespace

from teamhub.hubside import pamcheck
from teamhub.hubside.auth import TeamAuthenticator

MEMBERS = ("lead", "ann", "bob", "cy")


class GatedAuthenticator(TeamAuthenticator):
    """PAM answers only when the test opens the gate; who is in PAM at any moment is recorded."""

    def __init__(self, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(**kwargs)
        self.gate = asyncio.Event()
        self.in_pam: list[str] = []
        self.most_at_once = 0

    async def _pam(self, data) -> pamcheck.Verdict:  # type: ignore[no-untyped-def,override]
        self.in_pam.append(data["username"])
        self.most_at_once = max(self.most_at_once, len(self.in_pam))
        await self.gate.wait()
        self.in_pam.remove(data["username"])
        return pamcheck.Verdict(data["password"] == "right", "Authentication failure", 0.0)


def from_address(address: str) -> SimpleNamespace:
    """The little of a tornado handler that the authenticator reads."""
    return SimpleNamespace(request=SimpleNamespace(headers={}, remote_ip=address))


def authenticator(tmp_path: Path) -> GatedAuthenticator:
    members = tmp_path / "members.json"
    members.write_text(json.dumps({"users": {name: {"admin": name == "lead"} for name in MEMBERS}}))
    auth = GatedAuthenticator(members_file=str(members), throttle_file=str(tmp_path / "throttle.sqlite"))
    auth._newcomer_turns = asyncio.Semaphore(1)  # the lane as on a two-core machine
    return auth


def login(auth: GatedAuthenticator, name: str, password: str, address: str) -> asyncio.Task:
    data = {"username": name, "password": password}
    return asyncio.ensure_future(auth.authenticate(from_address(address), data))


async def until(condition, what: str) -> None:  # type: ignore[no-untyped-def]
    """Let the event loop run until `condition()` holds (a deadline, never a fixed sleep)."""
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError(f"never happened: {what}")


def test_a_known_pair_goes_straight_to_pam_while_newcomers_take_turns(tmp_path: Path):
    async def scenario() -> None:
        auth = authenticator(tmp_path)
        auth.throttle.finish("lead", "127.0.0.1", ok=True)  # lead logged in from here before
        names = ("ann", "bob", "cy")
        guesses = [login(auth, name, "guess", f"127.0.0.{10 + n}") for n, name in enumerate(names)]
        await until(lambda: len(auth.in_pam) == 1, "the first newcomer in PAM")
        correct = login(auth, "lead", "right", "127.0.0.1")
        await until(lambda: "lead" in auth.in_pam, "the known pair in PAM")
        assert len(auth.in_pam) == 2  # one newcomer and the known pair; two newcomers wait
        auth.gate.set()
        assert (await correct) == {"name": "lead", "admin": True}
        assert await asyncio.gather(*guesses) == [None, None, None]
        assert auth.most_at_once == 2

    asyncio.run(scenario())


def test_first_logins_from_an_address_someone_used_go_straight_to_pam(tmp_path: Path):
    async def scenario() -> None:
        auth = authenticator(tmp_path)
        auth.throttle.finish("lead", "198.51.100.4", ok=True)  # the team's router, used once
        logins = [login(auth, name, "right", "198.51.100.4") for name in ("ann", "bob", "cy")]
        await until(lambda: len(auth.in_pam) == 3, "the whole team in PAM at once")
        auth.gate.set()
        assert [found["name"] for found in await asyncio.gather(*logins)] == ["ann", "bob", "cy"]

    asyncio.run(scenario())


def test_a_first_login_from_a_new_address_is_a_newcomer_and_is_let_in(tmp_path: Path):
    async def scenario() -> None:
        auth = authenticator(tmp_path)
        auth.gate.set()
        assert (await login(auth, "ann", "right", "127.0.0.7")) == {"name": "ann", "admin": False}
        assert auth.throttle.known("ann", "127.0.0.7")
        assert not auth.throttle.known("ann", "127.0.0.8")

    asyncio.run(scenario())


def test_a_name_with_a_login_in_flight_waits_for_the_suspect_turn(tmp_path: Path):
    async def scenario() -> None:
        auth = authenticator(tmp_path)
        auth._newcomer_turns = asyncio.Semaphore(3)  # room for all: only the suspect lane limits
        first = login(auth, "ann", "guess", "127.0.0.10")
        await until(lambda: auth.in_pam == ["ann"], "the first guess in PAM")
        suspects = [login(auth, name, "guess", f"127.0.0.{20 + n}") for n, name in enumerate(("ann", "zed"))]
        await until(lambda: auth.suspects_in_pam == 2, "both suspects queued")
        assert auth.in_pam in (["ann", "ann"], ["ann", "zed"])  # one suspect at a time
        auth.gate.set()
        assert await asyncio.gather(first, *suspects) == [None, None, None]
        assert auth.suspects_in_pam == 0

    asyncio.run(scenario())
