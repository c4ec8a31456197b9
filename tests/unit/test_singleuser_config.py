"""Every user's server starts without the parts teamhub does not need, keeping what users use."""

from __future__ import annotations

from pathlib import Path

from teamhub.plan.singleuser import (
    LONGEST_KERNEL_SOCKET,
    RUNTIME_UNDER_HOME,
    UNIX_SOCKET_PATH_MAX,
    KernelSockets,
    kernel_sockets,
)
from teamhub.team.model import Team
from tests.unit.test_hubconfig import load


def test_servers_skip_the_language_server_scan_the_pypi_listing_and_the_news(tmp_path: Path):
    args = load(Team(), tmp_path).Spawner.args.get_value([])
    assert "--ServerApp.jpserver_extensions=jupyter_lsp=False" in args
    assert "--LabApp.extension_manager=readonly" in args
    assert "--LabApp.news_url=None" in args
    assert "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate" in args


def test_jupyterlab_terminals_and_kernels_stay_on(tmp_path: Path):
    args = load(Team(), tmp_path).Spawner.args.get_value([])
    disabled = [a for a in args if a.startswith("--ServerApp.jpserver_extensions=")]
    for kept in ("jupyterlab", "jupyter_server_terminals", "notebook", "notebook_shim"):
        assert not [a for a in disabled if f"={kept}=" in a]
    assert not [a for a in args if "terminals_enabled" in a or "kernel_manager_class" in a]


def test_kernels_use_unix_sockets_in_the_home_unless_the_socket_path_would_not_fit():
    home = "/home/" + "a" * 32  # the longest user name teamhub accepts
    assert kernel_sockets(home) == KernelSockets(
        ["--KernelManager.transport=ipc"], {"JUPYTER_RUNTIME_DIR": f"{home}/.jupyter/runtime"}
    )
    assert kernel_sockets("/srv/people/" + "b" * 60) == KernelSockets()  # past sun_path's 107 bytes
    longest = UNIX_SOCKET_PATH_MAX - len(f"/{RUNTIME_UNDER_HOME}/{LONGEST_KERNEL_SOCKET}")
    assert kernel_sockets("/" + "c" * (longest - 1)).args
    assert not kernel_sockets("/" + "c" * longest).args
