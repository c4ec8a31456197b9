"""SystemdSpawner with per-user memory and CPU limits taken from the team file."""

from __future__ import annotations

from systemdspawner import SystemdSpawner
from traitlets import Dict


class TeamSystemdSpawner(SystemdSpawner):
    """Each user's server in its own unit; a user's own limits replace the team's [limits]."""

    user_limits = Dict(
        help="{user name: {'mem_limit': bytes, 'cpu_limit': CPUs}}, rendered from the team file."
    ).tag(config=True)

    def apply_user_limits(self) -> None:
        """Set mem_limit and cpu_limit for this spawner's user."""
        for key, value in self.user_limits.get(self.user.name, {}).items():
            if key in ("mem_limit", "cpu_limit"):
                setattr(self, key, value)

    async def start(self):  # type: ignore[no-untyped-def]
        """Apply the user's limits, then start the unit."""
        self.apply_user_limits()
        return await super().start()
