"""Options that make every user's server start lighter, without losing what users need (pure).

Measured in bench/README.md ("Where one login's time goes"). Users keep JupyterLab, the classic
notebook UI, terminals, kernels and the file browser; left out are the parts that only cost start-up
time or reach for the internet from a team's private box:
- jupyter_lsp, the language-server bridge: no language server is installed in the hub venv, yet it
  scans for nineteen of them after every start;
- the extension manager's PyPI listing (it searches PyPI when the Extensions panel opens; installing
  into the shared hub venv is an admin's job, `readonly` still lists what is installed);
- JupyterLab's news feed and update check, which fetch from the internet.

Kernels talk to their server over unix sockets in the user's own runtime folder
(~/.jupyter/runtime) instead of loopback TCP ports: a port is picked free, released, and bound by
the kernel a few seconds later, so when twenty kernels start at once another process can take it in
between and the kernel dies (about one start in a hundred here); and any local user may subscribe
to a TCP kernel's output.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

DISABLED_SERVER_EXTENSIONS = ("jupyter_lsp",)

LEAN_OPTIONS = {
    "LabApp.extension_manager": "readonly",
    "LabApp.news_url": "None",
    "LabApp.check_for_updates_class": "jupyterlab.NeverCheckForUpdate",
}


def lean_server_args() -> list[str]:
    """jupyterhub-singleuser options for a lighter start."""
    args = [f"--ServerApp.jpserver_extensions={name}=False" for name in DISABLED_SERVER_EXTENSIONS]
    args += [f"--{key}={value}" for key, value in LEAN_OPTIONS.items()]
    return args


UNIX_SOCKET_PATH_MAX = 107  # sun_path holds 108 bytes, the last one the terminating NUL
# shorter than jupyter_core's ~/.local/share/jupyter/runtime, so every /home/<name> fits
RUNTIME_UNDER_HOME = ".jupyter/runtime"
LONGEST_KERNEL_SOCKET = "kernel-00000000-0000-0000-0000-000000000000-ipc-99"


@dataclass(frozen=True)
class KernelSockets:
    """How a user's server connects to its kernels: extra arguments and environment."""

    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)


def kernel_sockets(home: str) -> KernelSockets:
    """Unix sockets in the user's runtime folder, unless that home is too deep for a socket path (TCP)."""
    runtime = f"{home.rstrip('/')}/{RUNTIME_UNDER_HOME}"
    if len(os.fsencode(f"{runtime}/{LONGEST_KERNEL_SOCKET}")) > UNIX_SOCKET_PATH_MAX:
        return KernelSockets()
    return KernelSockets(["--KernelManager.transport=ipc"], {"JUPYTER_RUNTIME_DIR": runtime})
