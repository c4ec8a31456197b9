"""`teamhub-singleuser`: each user's server, jupyterhub-singleuser without Node called at every start.

JupyterLab's labapp module asks Node for yarn's configuration when it is imported (to learn an npm
registry URL, used only when building or installing lab extensions from npm), whenever `node` is on
PATH: half a CPU second and half a second of wall time before every server can answer. teamhub's
servers never build JupyterLab (their extension manager is read-only, plan/singleuser.py), so this
entry gives JupyterLab the answer it gets on a machine without Node: no yarn configuration, the
default registry. Users' terminals and kernels keep Node on their PATH; `jupyter lab build` run by
hand is untouched. Measured in bench/README.md ("Where one login's time goes").
"""

from __future__ import annotations

from typing import Any


def no_yarn_config(logger: Any) -> dict[str, dict[str, Any]]:
    """What JupyterLab reads when Node is not installed: empty yarn and npm configurations."""
    return {"yarn config": {}, "npm config": {}}


def skip_yarn_config() -> bool:
    """Make JupyterLab's yarn lookup answer without Node; False when JupyterLab no longer has one."""
    from jupyterlab import commands

    if not callable(getattr(commands, "_yarn_config", None)):
        return False
    commands._yarn_config = no_yarn_config
    return True


def main() -> int | None:
    """Run jupyterhub-singleuser with JupyterLab's yarn lookup answered in-process."""
    skip_yarn_config()
    from jupyterhub.singleuser import main as singleuser_main

    return singleuser_main()
