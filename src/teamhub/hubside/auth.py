"""PAM login for the team's members only, read from <state>/members.json at each login."""

from __future__ import annotations

import json
from pathlib import Path

from jupyterhub.auth import PAMAuthenticator
from traitlets import Unicode


class TeamAuthenticator(PAMAuthenticator):
    """PAM, limited to the current team; admin rights follow the team file at each login."""

    members_file = Unicode(
        help="JSON file written by `teamhub apply`: {'users': {name: {'admin': bool}}}."
    ).tag(config=True)

    def members(self) -> dict[str, dict[str, bool]]:
        """The team as last applied (empty when the file is missing or broken)."""
        try:
            return json.loads(Path(self.members_file).read_text()).get("users", {})
        except (OSError, ValueError):
            self.log.error("cannot read the team members file %s", self.members_file)
            return {}

    def check_allowed(self, username: str, authentication: dict | None = None) -> bool:
        """Only team members may log in, whatever the hub's database remembers."""
        return username in self.members()

    async def authenticate(self, handler, data):  # type: ignore[no-untyped-def]
        """PAM check, then mark admins as the team file says."""
        name = await super().authenticate(handler, data)
        if name is None:
            return None
        username = name if isinstance(name, str) else name["name"]
        member = self.members().get(username, {})
        return {"name": username, "admin": bool(member.get("admin"))}
