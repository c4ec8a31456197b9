"""HTTPS for the hub: check the admin's certificate and key, or make a self-signed pair."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

from teamhub.errors import BadInput, TeamhubError
from teamhub.paths import Paths
from teamhub.plan.production import tls_files
from teamhub.runner import run
from teamhub.team.load import TeamFile

SELF_SIGNED_DAYS = 825


def openssl() -> str:
    """The openssl executable (Debian's `openssl` package)."""
    found = shutil.which("openssl")
    if not found:
        raise TeamhubError("openssl is not installed; run `apt-get install openssl` and try again.")
    return found


def _public_key(argv: list[str]) -> str | None:
    proc = run(argv, check=False, timeout=30)
    return proc.stdout.strip() if proc.returncode == 0 else None


def check_pair(cert: Path, key: Path) -> None:
    """Refuse a missing or unreadable file, a file that is not PEM, and a key of another certificate."""
    for path, what in ((cert, "certificate"), (key, "key")):
        if not path.is_file():
            raise BadInput(f"the TLS {what} {path} does not exist; fix [hub.tls] in the team file.")
        if not os.access(path, os.R_OK):
            raise BadInput(f"the TLS {what} {path} cannot be read; run as root or fix its permissions.")
    tool = openssl()
    from_cert = _public_key([tool, "x509", "-noout", "-pubkey", "-in", str(cert)])
    if from_cert is None:
        raise BadInput(f"{cert} is not a PEM certificate; point [hub.tls] cert at the certificate file.")
    from_key = _public_key([tool, "pkey", "-pubout", "-in", str(key)])
    if from_key is None:
        raise BadInput(f"{key} is not a PEM private key; point [hub.tls] key at the key file.")
    if from_cert != from_key:
        raise BadInput(f"the key {key} does not belong to the certificate {cert}; give the matching pair.")


def check(tf: TeamFile) -> None:
    """Validate the admin's certificate (self-signed pairs are made by teamhub, nothing to check)."""
    tls = tf.team.hub.tls
    if tls.cert is not None and tls.key is not None:
        check_pair(tls.cert, tls.key)
    elif tls.self_signed:
        openssl()


def ensure_self_signed(paths: Paths, hostname: str | None = None) -> bool:
    """Make <state>/tls/{cert,key}.pem (root only) unless they exist; True when made."""
    cert, key = paths.tls / "cert.pem", paths.tls / "key.pem"
    if cert.exists() and key.exists():
        return False
    paths.tls.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(paths.tls, 0o700)
    host = hostname or socket.getfqdn() or "localhost"
    names = ",".join(dict.fromkeys([f"DNS:{host}", "DNS:localhost", "IP:127.0.0.1"]))
    run(
        [
            openssl(),
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-sha256",
            "-days",
            str(SELF_SIGNED_DAYS),
            "-subj",
            f"/CN={host}",
            "-addext",
            f"subjectAltName={names}",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        timeout=60,
        what="making a self-signed certificate",
    )
    os.chmod(key, 0o600)
    os.chmod(cert, 0o644)
    return True


def ensure(tf: TeamFile) -> None:
    """Whatever [hub.tls] needs on disk before the hub config names it."""
    if tf.team.hub.tls.self_signed:
        ensure_self_signed(tf.paths)
    files = tls_files(tf.team, tf.paths)
    if files is not None:
        check_pair(Path(files[0]), Path(files[1]))
