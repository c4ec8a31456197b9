"""One check's outcome: pass, fail, warn or skip; what was seen, and the one-line fix."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from teamhub.doctor.context import Context

Status = Literal["pass", "fail", "warn", "skip"]


@dataclass(frozen=True)
class CheckResult:
    """A row of the doctor's table (and an entry of its --json)."""

    status: Status
    name: str
    seen: str
    fix: str = ""

    def as_dict(self) -> dict[str, str]:
        """The JSON form."""
        return asdict(self)


def passed(name: str, seen: str) -> CheckResult:
    """A check that found nothing wrong."""
    return CheckResult("pass", name, seen)


def failed(name: str, seen: str, fix: str) -> CheckResult:
    """A problem that makes doctor exit 1."""
    return CheckResult("fail", name, seen, fix)


def warned(name: str, seen: str, fix: str) -> CheckResult:
    """Something to look at; fails only with --strict."""
    return CheckResult("warn", name, seen, fix)


def skipped(name: str, seen: str) -> CheckResult:
    """A check that could not run because another one failed first."""
    return CheckResult("skip", name, seen)


CheckFunction = Callable[["Context"], Iterable[CheckResult]]


def check(title: str) -> Callable[[CheckFunction], CheckFunction]:
    """Name a check function: the title is the row shown if the check itself breaks."""

    def mark(function: CheckFunction) -> CheckFunction:
        function.title = title  # type: ignore[attr-defined]
        return function

    return mark
