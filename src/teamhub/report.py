"""Progress and results for people: a spinner for long steps, a tick when each is done."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console


class Reporter:
    """Shows what teamhub is doing on stderr, so stdout stays for results."""

    def __init__(self, quiet: bool = False) -> None:
        self.console = Console(stderr=True, highlight=False)
        self.quiet = quiet

    @contextmanager
    def task(self, title: str) -> Iterator[None]:
        """A step that may take a while: a spinner while it runs, its time when done."""
        started = time.monotonic()
        if self.quiet:
            yield
            return
        if not self.console.is_terminal:  # no spinner in a log: say when the step starts
            self.console.print(f"{title}…", markup=False)
        with self.console.status(f"{title}…"):
            yield
        self.console.print(f"[green]✓[/green] {title} [dim]({time.monotonic() - started:.1f} s)[/dim]")

    def done(self, text: str) -> None:
        """One change made."""
        if not self.quiet:
            self.console.print(f"  {text}", markup=False)

    def note(self, text: str) -> None:
        """Something the admin should know."""
        if not self.quiet:
            self.console.print(text)


class Silent(Reporter):
    """A reporter that shows nothing (library use, tests)."""

    def __init__(self) -> None:
        super().__init__(quiet=True)
