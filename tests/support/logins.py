"""Logins from chosen loopback addresses, and a storm of wrong passwords around one correct login."""

from __future__ import annotations

import multiprocessing
import queue
import statistics
import threading
import time
from dataclasses import dataclass

import requests
import urllib3
from requests.adapters import HTTPAdapter

urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)


class SourceAdapter(HTTPAdapter):
    """Connect from a given local address (any of 127.0.0.0/8 is this machine)."""

    def __init__(self, source: str) -> None:
        self.source = source
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs["source_address"] = (self.source, 0)
        return super().init_poolmanager(*args, **kwargs)


@dataclass
class Attempt:
    """One login through the real form: the answer's status, its page, and how long it took."""

    status: int
    text: str
    seconds: float

    @property
    def ok(self) -> bool:
        return self.status == 302


def session(source: str | None = None) -> requests.Session:
    """A browser-like session, connecting from `source` when given."""
    http = requests.Session()
    http.trust_env = False  # no proxies for loopback; and REQUESTS_CA_BUNDLE would override verify
    http.verify = False  # the hub's own certificate, on this machine
    if source:
        for prefix in ("http://", "https://"):
            http.mount(prefix, SourceAdapter(source))
    return http


def open_form(http: requests.Session, url: str) -> str:
    """Load the login page; the form's xsrf token."""
    http.get(url + "hub/login", timeout=60).raise_for_status()
    return http.cookies.get("_xsrf", "")


def post_login(http: requests.Session, url: str, name: str, password: str, xsrf: str) -> Attempt:
    """Submit the login form once."""
    started = time.perf_counter()
    answer = http.post(
        url + "hub/login?next=",
        data={"username": name, "password": password, "_xsrf": xsrf},
        allow_redirects=False,
        timeout=120,
    )
    return Attempt(answer.status_code, answer.text, time.perf_counter() - started)


def login(url: str, name: str, password: str, source: str | None = None) -> Attempt:
    """Open the form and log in, as a person would; the time covers both requests."""
    started = time.perf_counter()
    http = session(source)
    attempt = post_login(http, url, name, password, open_form(http, url))
    attempt.seconds = time.perf_counter() - started
    return attempt


@dataclass
class Storm:
    """What a burst of wrong passwords did to one correct login started `offset_s` after it."""

    offset_s: float
    idle_s: float
    during_s: float
    correct_ok: bool
    wrong: list[Attempt]

    @property
    def ratio(self) -> float:
        return self.during_s / self.idle_s


def idle_login_time(url: str, good: tuple[str, str]) -> float:
    """The median time of three correct logins on a quiet hub."""
    return statistics.median(login(url, *good).seconds for _ in range(3))


def _attack(url: str, name: str, source: str, barrier, results) -> None:  # type: ignore[no-untyped-def]
    """One attacker, in a process of its own: open the form, wait for the others, guess once."""
    http = session(source)
    xsrf = open_form(http, url)
    barrier.wait(timeout=60)
    attempt = post_login(http, url, name, "not-the-password", xsrf)
    results.put((attempt.status, attempt.text, attempt.seconds))


def storm(
    url: str,
    good: tuple[str, str],
    victims: list[str],
    wrong_count: int = 20,
    offset_s: float = 0.0,
    first_source: int = 10,
) -> Storm:
    """`wrong_count` wrong passwords sent at once (spread over `victims`, each from its own address
    127.0.0.<first_source + n> and process); `offset_s` after they are sent, one correct login by
    `good`, timed against the hub at rest.

    Each attacker is a process, as each is a client of its own: as threads of this process, their
    twenty requests held the GIL the correct login needed before it left this machine's client
    (75 ms of a 190 ms login, logged at the hub), which measured the bench, not the hub."""
    idle = idle_login_time(url, good)
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(wrong_count + 1), context.Queue()
    attackers = [
        context.Process(
            target=_attack,
            args=(url, victims[n % len(victims)], f"127.0.0.{first_source + n}", barrier, results),
        )
        for n in range(wrong_count)
    ]
    for process in attackers:
        process.start()
    wrong: list[Attempt] = []
    try:
        barrier.wait(timeout=60)
        if offset_s:
            threading.Event().wait(offset_s)  # a measured delay, not synchronisation
        during = login(url, *good)
        wrong = [Attempt(*results.get(timeout=120)) for _ in attackers]
    finally:
        _end(attackers, results, len(attackers) - len(wrong))
    return Storm(offset_s, idle, during.seconds, during.ok, wrong)


def _end(attackers: list, results, unread: int) -> None:  # type: ignore[type-arg,no-untyped-def]
    """Join the attackers, reading what they still send (a child cannot exit with its answer
    stuck in a full pipe), and kill those that do not end."""
    deadline = time.monotonic() + 30
    while unread and time.monotonic() < deadline:
        try:
            results.get(timeout=max(0.1, deadline - time.monotonic()))
            unread -= 1
        except queue.Empty:
            break
    for process in attackers:
        process.join(timeout=max(0.1, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
            process.join()
