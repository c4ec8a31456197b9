"""Kernels as users see them in their servers: the team's environments, not the hub's own Python."""

from __future__ import annotations

import sys
from pathlib import Path

from jupyter_client.kernelspec import NATIVE_KERNEL_NAME, KernelSpecManager
from traitlets import Unicode


class TeamKernelSpecManager(KernelSpecManager):
    """Hide the hub venv's own python3 kernel once the team has environments of its own."""

    team_kernels_dir = Unicode(
        "", help="The folder holding the team's kernelspecs (<prefix>/share/jupyter/kernels)."
    ).tag(config=True)

    def team_kernels(self) -> set[str]:
        """The team's kernel names, read each time so new environments show without a restart."""
        folder = Path(self.team_kernels_dir) if self.team_kernels_dir else None
        if folder is None or not folder.is_dir():
            return set()
        return {child.name.lower() for child in folder.iterdir() if (child / "kernel.json").is_file()}

    def find_kernel_specs(self) -> dict[str, str]:
        """Every kernelspec found, less the hub's native one when the team has kernels."""
        found = super().find_kernel_specs()
        native = found.get(NATIVE_KERNEL_NAME)
        if native and NATIVE_KERNEL_NAME not in self.team_kernels() and self.team_kernels():
            resolved = Path(native).resolve()
            if resolved.is_relative_to(Path(sys.prefix).resolve()) or self._is_ipykernel_resource(native):
                del found[NATIVE_KERNEL_NAME]
        return found

    @staticmethod
    def _is_ipykernel_resource(folder: str) -> bool:
        try:
            from ipykernel.kernelspec import RESOURCES
        except ImportError:
            return False
        return Path(folder).resolve() == Path(RESOURCES).resolve()
