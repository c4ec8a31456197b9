"""The one subprocess wrapper: argv lists only, the command logged, output shown on failure."""

from __future__ import annotations

import logging
import os
import shlex
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from teamhub.errors import TeamhubError

log = logging.getLogger(__name__)

# Variables that let a background job reach the package registries through this machine's
# TLS setup; teamhub passes them on to everything it starts in a clean environment.
CA_VARIABLES = (
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "PIP_CERT",
    "CURL_CA_BUNDLE",
    "UV_NATIVE_TLS",
    "UV_INDEX_URL",
    "UV_DEFAULT_INDEX",
    "PIP_INDEX_URL",
    "PIP_EXTRA_INDEX_URL",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
)

SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A minimal environment for child processes: system PATH, C.UTF-8 locale, CA settings."""
    env = {"PATH": SYSTEM_PATH, "LANG": "C.UTF-8", "HOME": os.environ.get("HOME", "/root")}
    for name in CA_VARIABLES:
        if name in os.environ:
            env[name] = os.environ[name]
    env.update(extra or {})
    return env


def run(
    argv: Sequence[str | os.PathLike[str]],
    *,
    input: str | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    check: bool = True,
    timeout: float | None = None,
    what: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run argv, capturing text output; raise TeamhubError naming `what` when it fails."""
    args = [os.fspath(a) for a in argv]
    log.debug("run: %s", shlex.join(args))
    try:
        proc = subprocess.run(
            args,
            input=input,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError as exc:
        raise TeamhubError(f"{args[0]} is not installed; install it and try again.") from exc
    except subprocess.TimeoutExpired as exc:
        raise TeamhubError(f"{what or args[0]} did not finish within {timeout:.0f} s.") from exc
    if check and proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        tail = detail[-1] if detail else f"exit code {proc.returncode}"
        log.debug("stdout: %s\nstderr: %s", proc.stdout, proc.stderr)
        raise TeamhubError(f"{what or shlex.join(args)} failed: {tail}")
    return proc
