"""What the checks share: the team file, facts found so far, and one visit as a user (opened once)."""

from __future__ import annotations

import pwd
from dataclasses import dataclass, field
from typing import Any

from teamhub.apply import hub
from teamhub.doctor import probe
from teamhub.doctor.kernel import ServerClient
from teamhub.doctor.result import CheckResult, failed, passed, warned
from teamhub.doctor.undo import ACCOUNT, UndoRecord, load_records
from teamhub.doctor.visit import HubAdmin, Visit, VisitFailed, undo
from teamhub.errors import BadInput, TeamhubError
from teamhub.paths import Paths
from teamhub.team.load import TeamFile
from teamhub.team.model import Team

CLEANUP = "doctor cleaned up"


@dataclass
class Context:
    """Shared by every check in one doctor run."""

    tf: TeamFile
    as_user: str | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    visit: Visit | None = None
    visit_error: str | None = None

    @property
    def team(self) -> Team:
        return self.tf.team

    @property
    def paths(self) -> Paths:
        return self.tf.paths

    @property
    def url(self) -> str:
        """The hub's address as reachable from this machine."""
        return hub.url_for(self.tf)

    @property
    def hub_answers(self) -> bool:
        """Set by the service checks: True when /hub/health answered."""
        return bool(self.facts.get("hub_answers"))

    def hub_admin(self) -> HubAdmin:
        """teamhub's own client for the hub's API."""
        return HubAdmin(self.paths, self.url)

    def check_as_user(self) -> None:
        """Refuse --as USER when USER is not a team member with a Linux account (before any change)."""
        name = self.as_user
        if name is None:
            return
        if name not in self.team.users:
            raise BadInput(
                f"{name!r} is not in the team; pass a member's name to --as (see `teamhub user list`)."
            )
        try:
            pwd.getpwnam(name)
        except KeyError:
            raise BadInput(f"{name!r} has no Linux account yet; run `teamhub apply` first.") from None

    def server(self) -> ServerClient:
        """A running server of the probe (or of --as USER), opened on first use; VisitFailed if not."""
        if self.visit is not None and self.visit.client is not None:
            return self.visit.client
        if self.visit_error is not None:
            raise VisitFailed(self.visit_error)
        try:
            return self._open()
        except (TeamhubError, OSError) as exc:
            self.visit_error = str(exc)
            raise VisitFailed(self.visit_error) from None

    def _open(self) -> ServerClient:
        admin = self.hub_admin()
        name = self.as_user or probe.new_name(self.team)
        record = UndoRecord.begin(self.paths, name)
        self.visit = Visit(admin, record)
        if self.as_user is None:
            record.add(ACCOUNT)
            probe.create_account(name, self.team)
        return self.visit.open()

    def close(self) -> list[CheckResult]:
        """Undo everything this run changed; one row saying what was cleaned (or what is left)."""
        if self.visit is None:
            return []
        try:
            admin: HubAdmin | None = self.hub_admin()
        except OSError:
            admin = None
        done, problems = undo(admin, self.visit.record, self.team)
        if self.visit.was_running:
            done.append(f"left {self.visit.user}'s server running, as it was")
        if problems:
            return [failed(CLEANUP, "; ".join(problems), "run `teamhub doctor` again once the hub answers")]
        return [passed(CLEANUP, "; ".join(done) or "nothing to undo")]

    def sweep(self) -> list[CheckResult]:
        """Undo what earlier doctor runs left when they were killed."""
        orphans = [record for record in load_records(self.paths) if record.is_orphan()]
        if not orphans:
            return []
        try:
            admin: HubAdmin | None = self.hub_admin() if self.hub_answers else None
        except OSError:
            admin = None
        done: list[str] = []
        problems: list[str] = []
        for record in orphans:
            undone, left = undo(admin, record, self.team)
            done += undone
            problems += left
        if problems:
            return [
                warned("leftovers of a killed doctor run", "; ".join(problems), "run `teamhub doctor` again")
            ]
        return [passed("leftovers of a killed doctor run", "; ".join(done) or "none")]
