"""Login throttling: failures lock names and addresses for a while, in a file another process reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from teamhub.hubside.throttle import (
    ADDRESS,
    IN_FLIGHT_WAIT,
    USER,
    LoginThrottle,
    Policy,
    duration,
    forwarded_client,
)


class Clock:
    """A settable clock."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def throttle(tmp_path: Path, clock: Clock, **policy: int) -> LoginThrottle:
    return LoginThrottle(tmp_path / "throttle.sqlite", Policy(**policy), clock=clock)


def fail(t: LoginThrottle, name: str, address: str, times: int = 1) -> None:
    for _ in range(times):
        assert t.begin(name, address) is None
        t.finish(name, address, ok=False)


def test_n_failures_lock_the_name_with_the_time_left(tmp_path: Path, clock: Clock):
    t = throttle(tmp_path, clock, max_failures=3, lockout=300)
    fail(t, "ann", "10.0.0.1", times=2)
    assert t.check("ann", "10.0.0.1") is None
    fail(t, "ann", "10.0.0.2")
    clock.now += 10
    lock = t.check("Ann", "10.0.0.3")
    assert lock is not None and lock.kind == USER and lock.key == "ann"
    assert lock.remaining == pytest.approx(290)
    assert (
        lock.message()
        == "Too many failed logins for ann; try again in 4 min 50 s or ask an admin to unlock it."
    )
    assert t.check("bob", "10.0.0.3") is None
    clock.now += 291
    assert t.check("ann", "10.0.0.3") is None


def test_failures_outside_the_window_do_not_count(tmp_path: Path, clock: Clock):
    t = throttle(tmp_path, clock, max_failures=3, window=60)
    fail(t, "ann", "10.0.0.1", times=2)
    clock.now += 61
    fail(t, "ann", "10.0.0.1", times=2)
    assert t.check("ann", "10.0.0.1") is None


def test_a_success_clears_the_names_failures(tmp_path: Path, clock: Clock):
    t = throttle(tmp_path, clock, max_failures=3)
    fail(t, "ann", "10.0.0.1", times=2)
    assert t.begin("ann", "10.0.0.1") is None
    t.finish("ann", "10.0.0.1", ok=True)
    fail(t, "ann", "10.0.0.1", times=2)
    assert t.check("ann", "10.0.0.1") is None


def test_one_address_trying_many_names_is_locked(tmp_path: Path, clock: Clock):
    t = throttle(tmp_path, clock, max_failures=5, address_max_failures=4)
    for number in range(4):
        fail(t, f"user{number}", "10.0.0.9")
    lock = t.check("someone", "10.0.0.9")
    assert lock is not None and lock.kind == ADDRESS
    assert lock.message().startswith("Too many failed logins from 10.0.0.9; try again in 5 min")
    assert t.check("someone", "10.0.0.8") is None


def test_logins_in_flight_count_so_a_burst_cannot_outrun_the_limit(tmp_path: Path, clock: Clock):
    t = throttle(tmp_path, clock, max_failures=3)
    for _ in range(3):
        assert t.begin("ann", "10.0.0.1") is None
    refused = t.begin("ann", "10.0.0.2")
    assert refused is not None and refused.remaining == IN_FLIGHT_WAIT
    for _ in range(3):
        t.finish("ann", "10.0.0.1", ok=False)
    lock = t.check("ann", "10.0.0.2")
    assert lock is not None and lock.remaining == pytest.approx(300)


def test_locks_survive_a_new_process_and_unlock_clears_them(tmp_path: Path, clock: Clock):
    first = throttle(tmp_path, clock, max_failures=2)
    fail(first, "ann", "10.0.0.1", times=2)
    again = throttle(tmp_path, clock, max_failures=2)
    assert again.check("ann", "10.0.0.7") is not None
    assert [(lock.kind, lock.key) for lock in again.locks()] == [(USER, "ann")]
    assert again.unlock(USER, "ann") is True
    assert again.unlock(USER, "ann") is False
    assert first.check("ann", "10.0.0.7") is None
    assert (tmp_path / "throttle.sqlite").stat().st_mode & 0o777 == 0o600


def test_durations_read_well():
    assert duration(0.2) == "1 s"
    assert duration(59.5) == "1 min"
    assert duration(61) == "1 min 1 s"
    assert duration(300) == "5 min"


def test_the_client_address_is_the_last_one_not_added_by_a_local_proxy():
    assert forwarded_client(",127.0.0.1", "127.0.0.1") == "127.0.0.1"  # straight through the proxy
    assert forwarded_client(",127.0.0.7", "127.0.0.1") == "127.0.0.7"
    assert forwarded_client("100.64.0.9,127.0.0.1", "127.0.0.1") == "100.64.0.9"  # via tailscale serve
    assert forwarded_client("203.0.113.5, 100.64.0.9, 127.0.0.1", "127.0.0.1") == "100.64.0.9"
    assert forwarded_client("", "10.1.1.1") == "10.1.1.1"


def test_a_name_is_known_only_from_an_address_it_logged_in_from(tmp_path: Path, clock: Clock):
    t = throttle(tmp_path, clock)
    assert not t.known("Ann", "203.0.113.7")
    fail(t, "ann", "203.0.113.7")
    assert not t.known("ann", "203.0.113.7")  # a failure proves nothing
    assert t.begin("ann", "203.0.113.7") is None
    t.finish("ann", "203.0.113.7", ok=True)
    assert t.known("ANN", "203.0.113.7") and not t.known("ann", "203.0.113.8")
    assert not t.known("bob", "203.0.113.7")
    assert t.address_known("203.0.113.7") and not t.address_known("203.0.113.8")  # for anyone
    clock.now += 91 * 24 * 3600
    assert not t.known("ann", "203.0.113.7")
    assert not t.address_known("203.0.113.7")


def test_busy_means_failures_or_the_same_name_in_flight_not_a_shared_address(tmp_path: Path, clock: Clock):
    t = throttle(tmp_path, clock)
    assert t.begin("ann", "198.51.100.1") is None
    assert t.busy("ann", "198.51.100.9")  # the same name twice at once
    assert not t.busy("bob", "198.51.100.1")  # a colleague behind the same router
    t.finish("ann", "198.51.100.1", ok=False)
    assert t.busy("bob", "198.51.100.1") and t.busy("ann", "203.0.113.5")  # failures count


def test_a_failed_step_is_rolled_back_and_the_throttle_stays_usable(tmp_path: Path, clock: Clock):
    t = throttle(tmp_path, clock)
    with pytest.raises(RuntimeError), t._db(write=True) as db:
        db.execute("INSERT INTO failures VALUES (?, ?, ?)", (USER, "ann", clock.now))
        raise RuntimeError("a step failed halfway")
    assert not t.busy("ann", "")  # the half-done step left nothing behind
    fail(t, "ann", "203.0.113.9")
    assert t.busy("ann", "")
