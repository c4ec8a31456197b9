"""The vocabulary of a plan: small frozen steps that read as a list ('+ user carol')."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    """One change to the host; `describe()` is what `apply --dry-run` prints."""

    def describe(self) -> str:  # pragma: no cover - every step overrides it
        raise NotImplementedError


@dataclass(frozen=True)
class EnsureGroup(Step):
    """Create a Linux group that teamhub owns."""

    group: str

    def describe(self) -> str:
        return f"+ group {self.group}"


@dataclass(frozen=True)
class CreateUser(Step):
    """Create a Linux account for a team member (home 0700, in the managed group)."""

    name: str
    full_name: str

    def describe(self) -> str:
        return f"+ user {self.name}"


@dataclass(frozen=True)
class UpdateFullName(Step):
    """Change the full name (GECOS) of an account teamhub manages."""

    name: str
    full_name: str

    def describe(self) -> str:
        return f"~ user {self.name}: full name -> {self.full_name!r}"


@dataclass(frozen=True)
class SetPassword(Step):
    """Give a password (generated, shown once) to an account teamhub made that has none."""

    name: str

    def describe(self) -> str:
        return f"~ user {self.name}: password set (it had none)"


@dataclass(frozen=True)
class RemoveUser(Step):
    """Archive the home, stop the server, then remove an account teamhub created."""

    name: str
    archive: str

    def describe(self) -> str:
        return f"- user {self.name} (home archived to {self.archive})"
