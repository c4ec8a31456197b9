"""Options that make every user's server start lighter, without losing what users need (pure).

Measured in bench/README.md ("Where one login's time goes"). Users keep JupyterLab, the classic
notebook UI, terminals, kernels and the file browser; left out are the parts that only cost start-up
time or reach for the internet from a team's private box:
- jupyter_lsp, the language-server bridge: no language server is installed in the hub venv, yet it
  scans for nineteen of them after every start;
- the extension manager's PyPI listing (it searches PyPI when the Extensions panel opens; installing
  into the shared hub venv is an admin's job, `readonly` still lists what is installed);
- JupyterLab's news feed and update check, which fetch from the internet.
"""

from __future__ import annotations

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
