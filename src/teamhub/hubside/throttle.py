"""Login throttling: failed logins per user name and per client address, kept across hub restarts.

The hub and the `teamhub user unlock` command share one small sqlite file under <state>.
Stdlib only: the CLI imports this without JupyterHub.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

USER, ADDRESS = "user", "address"
KEY_LENGTH = 64
# A refusal because logins for the same name are still running in PAM: they end within seconds
# (PAM's failure delay is about 3 s), after which the lock, if any, is known.
IN_FLIGHT_WAIT = 5.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS failures (kind TEXT NOT NULL, key TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS failures_by_key ON failures (kind, key, at);
CREATE TABLE IF NOT EXISTS locks (
    kind TEXT NOT NULL, key TEXT NOT NULL, until REAL NOT NULL, PRIMARY KEY (kind, key)
);
CREATE TABLE IF NOT EXISTS known (user TEXT NOT NULL, address TEXT NOT NULL, at REAL NOT NULL,
    PRIMARY KEY (user, address));
CREATE INDEX IF NOT EXISTS known_by_address ON known (address, at);
"""
# A name logging in from an address it logged in from successfully within this time is "known".
KNOWN_FOR = 90 * 24 * 3600


@dataclass(frozen=True)
class Policy:
    """How many failures within `window` seconds lock a name or an address, and for how long."""

    max_failures: int = 5
    address_max_failures: int = 20
    window: int = 300
    lockout: int = 300

    def limit(self, kind: str) -> int:
        """The failure limit for a user name or for a client address."""
        return self.max_failures if kind == USER else self.address_max_failures


@dataclass(frozen=True)
class Lock:
    """A name or address that may not try to log in for `remaining` more seconds."""

    kind: str
    key: str
    remaining: float

    def message(self) -> str:
        """What the login page shows."""
        wait = duration(self.remaining)
        if self.kind == USER:
            return f"Too many failed logins for {self.key}; try again in {wait} or ask an admin to unlock it."
        return f"Too many failed logins from {self.key}; try again in {wait}."


def duration(seconds: float) -> str:
    """'4 min 5 s', '59 s' (rounded up, so a lock never looks over before it is)."""
    whole = max(1, int(-(-seconds // 1)))
    minutes, rest = divmod(whole, 60)
    if not minutes:
        return f"{rest} s"
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


# Proxies on this machine (configurable-http-proxy, `tailscale serve`) whose X-Forwarded-For
# entries are passed over to find the client's own address.
LOCAL_PROXIES = frozenset({"127.0.0.1", "::1", "::ffff:127.0.0.1"})


def forwarded_client(forwarded: str, remote_ip: str) -> str:
    """The last X-Forwarded-For entry not added by a proxy on this machine, else the peer.

    Unlike tornado's remote_ip, X-Real-Ip (which any client can set) is not used.
    """
    chain = [part.strip() for part in forwarded.split(",") if part.strip()]
    for candidate in reversed(chain):
        if candidate not in LOCAL_PROXIES:
            return candidate
    return chain[-1] if chain else remote_ip


def user_key(name: str) -> str:
    """The key a login name is counted under (JupyterHub lowercases names)."""
    return name.strip().lower()[:KEY_LENGTH]


class LoginThrottle:
    """Counts failures, locks names and addresses, and remembers logins still being checked."""

    def __init__(self, path: Path, policy: Policy, clock: Callable[[], float] = time.time) -> None:
        self.path, self.policy, self.clock = Path(path), policy, clock
        self.in_flight: Counter[tuple[str, str]] = Counter()
        self._connection: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        """The one connection this throttle keeps: opening sqlite for each step of each login cost
        the hub's event loop more than the queries did while a storm of logins arrived."""
        if self._connection is None:
            fresh = not self.path.exists()
            db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            if fresh:
                os.chmod(self.path, 0o600)
            # WAL: a commit appends to one file instead of creating and deleting a journal; NORMAL
            # syncs only at checkpoints (losing the last failures in a power cut is fine; an fsync
            # per failed login on the hub's event loop is not). sqlite gives -wal and -shm the
            # database's mode.
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            db.executescript(SCHEMA)
            self._connection = db
        return self._connection

    def close(self) -> None:
        """Close the connection (the next call opens it again)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    @contextmanager
    def _db(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        db = self._connect()
        db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            yield db
            db.execute("COMMIT")
        except BaseException:
            self._roll_back()
            raise

    def _roll_back(self) -> None:
        """End a failed transaction; a connection that cannot is dropped, so the next call starts
        afresh instead of failing every login until the hub restarts."""
        try:
            if self._connection is not None and self._connection.in_transaction:
                self._connection.execute("ROLLBACK")
        except sqlite3.Error:
            self.close()

    def _keys(self, name: str, address: str) -> list[tuple[str, str]]:
        keys = [(USER, user_key(name))]
        if address:
            keys.append((ADDRESS, address[:KEY_LENGTH]))
        return keys

    def check(self, name: str, address: str) -> Lock | None:
        """The lock that refuses this login now, if any (without counting it)."""
        now = self.clock()
        with self._db() as db:
            for kind, key in self._keys(name, address):
                row = db.execute("SELECT until FROM locks WHERE kind = ? AND key = ?", (kind, key)).fetchone()
                if row and row[0] > now:
                    return Lock(kind, key, row[0] - now)
                recent = self._recent(db, kind, key, now)
                if recent + self.in_flight[(kind, key)] >= self.policy.limit(kind):
                    return Lock(kind, key, IN_FLIGHT_WAIT)
        return None

    def busy(self, name: str, address: str) -> bool:
        """True when the name or address has recent failures, or other logins of the name are being
        checked (many people share an address behind one router: its logins alone prove nothing)."""
        now = self.clock()
        if self.in_flight[(USER, user_key(name))]:
            return True
        with self._db() as db:
            return any(self._recent(db, kind, key, now) for kind, key in self._keys(name, address))

    def known(self, name: str, address: str) -> bool:
        """True when this name logged in successfully from this address recently."""
        query = "SELECT 1 FROM known WHERE user = ? AND address = ? AND at > ?"
        with self._db() as db:
            row = db.execute(query, (user_key(name), address[:KEY_LENGTH], self.clock() - KNOWN_FOR))
            return row.fetchone() is not None

    def address_known(self, address: str) -> bool:
        """True when anyone logged in successfully from this address recently."""
        query = "SELECT 1 FROM known WHERE address = ? AND at > ? LIMIT 1"
        with self._db() as db:
            row = db.execute(query, (address[:KEY_LENGTH], self.clock() - KNOWN_FOR))
            return row.fetchone() is not None

    def begin(self, name: str, address: str) -> Lock | None:
        """Refuse a locked name or address; otherwise count this login as in flight."""
        lock = self.check(name, address)
        if lock is None:
            self.in_flight.update(self._keys(name, address))
        return lock

    def finish(self, name: str, address: str, ok: bool) -> None:
        """A login begun earlier ended: clear the name's failures, or count one and maybe lock."""
        keys = self._keys(name, address)
        self.in_flight.subtract(keys)
        self.in_flight += Counter()  # drops keys whose count reached zero
        now = self.clock()
        with self._db(write=True) as db:
            if ok:
                db.execute("DELETE FROM failures WHERE kind = ? AND key = ?", keys[0])
                if address:
                    known = (user_key(name), address[:KEY_LENGTH], now)
                    db.execute("INSERT OR REPLACE INTO known VALUES (?, ?, ?)", known)
                return
            db.execute("DELETE FROM failures WHERE at <= ?", (now - self.policy.window,))
            db.execute("DELETE FROM locks WHERE until <= ?", (now,))
            for kind, key in keys:
                db.execute("INSERT INTO failures VALUES (?, ?, ?)", (kind, key, now))
                if self._recent(db, kind, key, now) >= self.policy.limit(kind):
                    until = now + self.policy.lockout
                    db.execute("INSERT OR REPLACE INTO locks VALUES (?, ?, ?)", (kind, key, until))
                    db.execute("DELETE FROM failures WHERE kind = ? AND key = ?", (kind, key))

    def _recent(self, db: sqlite3.Connection, kind: str, key: str, now: float) -> int:
        query = "SELECT COUNT(*) FROM failures WHERE kind = ? AND key = ? AND at > ?"
        return db.execute(query, (kind, key, now - self.policy.window)).fetchone()[0]

    def unlock(self, kind: str, key: str) -> bool:
        """Clear a lock and the failures counted so far; True when there was something to clear."""
        key = user_key(key) if kind == USER else key
        with self._db(write=True) as db:
            cleared = db.execute("DELETE FROM locks WHERE kind = ? AND key = ?", (kind, key)).rowcount
            cleared += db.execute("DELETE FROM failures WHERE kind = ? AND key = ?", (kind, key)).rowcount
        return cleared > 0

    def locks(self) -> list[Lock]:
        """Every lock in force now."""
        now = self.clock()
        with self._db() as db:
            rows = db.execute("SELECT kind, key, until FROM locks WHERE until > ? ORDER BY kind, key", (now,))
            return [Lock(kind, key, until - now) for kind, key, until in rows.fetchall()]
