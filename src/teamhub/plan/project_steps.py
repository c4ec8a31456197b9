"""The steps of a plan for project folders, team folders and who may use them."""

from __future__ import annotations

from dataclasses import dataclass

from teamhub.plan.steps import Step

WRITER = "writer"
READER = "reader"


@dataclass(frozen=True)
class Groups:
    """The two Linux groups of one project: its writers and its readers."""

    writers: str
    readers: str


@dataclass(frozen=True)
class EnsureTeamFolders(Step):
    """Create or repair <data>/projects and the team-wide <data>/shared/{pub,code}."""

    data: str
    admins_group: str
    created: bool

    def describe(self) -> str:
        if self.created:
            return f"+ folders {self.data}/projects and {self.data}/shared/{{pub,code}}"
        return f"~ folders {self.data}/projects and {self.data}/shared: owner and permissions repaired"


@dataclass(frozen=True)
class SetSharedWriter(Step):
    """Let an admin write the team-wide area, or take that away."""

    user: str
    admins_group: str
    add: bool

    def describe(self) -> str:
        return f"{'+' if self.add else '-'} shared area: {self.user} writer"


@dataclass(frozen=True)
class CreateProject(Step):
    """Make a project's groups and its setgid, ACL-shared folder (or adopt a folder already there)."""

    name: str
    path: str
    groups: Groups
    adopt: bool
    writers: tuple[str, ...] = ()  # the groups are made with their members when the tools allow
    readers: tuple[str, ...] = ()

    def describe(self) -> str:
        if self.adopt:
            return f"+ project {self.name} (existing folder {self.path} adopted)"
        return f"+ project {self.name} ({self.path})"


@dataclass(frozen=True)
class RepairProject(Step):
    """Put a project folder's owner, group, mode and ACLs back."""

    name: str
    path: str
    groups: Groups

    def describe(self) -> str:
        return f"~ project {self.name}: folder owner and permissions repaired"


@dataclass(frozen=True)
class SetAccess(Step):
    """Give a user the role they should have in a project (writer, reader or none), and their link.

    `writers` and `readers` are the project's whole wanted membership: the first such step of a
    project sets both groups in one go (a few calls instead of one per member); the others find
    their membership done and only see to their link and, on a revocation, their processes.
    """

    project: str
    user: str
    old: str | None
    new: str | None
    groups: Groups
    target: str
    writers: tuple[str, ...] = ()
    readers: tuple[str, ...] = ()

    def describe(self) -> str:
        if self.old is None:
            return f"+ project {self.project}: {self.user} {self.new}"
        if self.new is None:
            return f"- project {self.project}: {self.user} (was {self.old})"
        return f"~ project {self.project}: {self.user} {self.old} -> {self.new}"


@dataclass(frozen=True)
class EnsureLink(Step):
    """Put back a member's ~/projects/<name> link."""

    project: str
    user: str
    target: str

    def describe(self) -> str:
        return f"+ link ~{self.user}/projects/{self.project}"


@dataclass(frozen=True)
class RemoveLink(Step):
    """Take away a ~/projects/<name> link its user no longer may follow."""

    project: str
    user: str
    target: str

    def describe(self) -> str:
        return f"- link ~{self.user}/projects/{self.project}"


@dataclass(frozen=True)
class RemoveProject(Step):
    """Archive a project folder, then remove it, its groups and its members' links."""

    name: str
    path: str
    groups: Groups
    archive: str

    def describe(self) -> str:
        return f"- project {self.name} (archived to {self.archive})"
