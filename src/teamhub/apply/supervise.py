"""A tiny supervisor for hosts without systemd: runs the hub, restarts it when it dies."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BACKOFF = (1.0, 2.0, 5.0, 10.0)
HEALTHY_AFTER = 30.0


class Supervisor:
    """Keep one child running until told to stop (SIGTERM or SIGINT)."""

    def __init__(self, argv: list[str], cwd: Path) -> None:
        self.argv, self.cwd = argv, cwd
        self.child: subprocess.Popen[bytes] | None = None
        self.stopping = False

    def stop(self, signum: int, _frame: object) -> None:
        """Forward the stop to the child and leave the loop."""
        self.stopping = True
        if self.child and self.child.poll() is None:
            self.child.send_signal(signal.SIGTERM)

    def loop(self) -> int:
        """Run, wait, restart with backoff; a child that lived a while resets the backoff."""
        failures = 0
        while not self.stopping:
            started = time.monotonic()
            self.child = subprocess.Popen(self.argv, cwd=self.cwd)
            code = self.child.wait()
            if self.stopping:
                break
            failures = 0 if time.monotonic() - started > HEALTHY_AFTER else failures + 1
            delay = BACKOFF[min(failures, len(BACKOFF) - 1)]
            print(f"teamhub: hub exited with {code}; restarting in {delay:.0f} s", flush=True)
            self._pause(delay)
        return 0

    def _pause(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < deadline:
            time.sleep(0.1)


def main() -> int:
    """Entry point: `python -m teamhub.apply.supervise --pid-file F --cwd D -- CMD...`."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--pid-file", type=Path, required=True)
    parser.add_argument("--cwd", type=Path, required=True)
    parser.add_argument("argv", nargs="+")
    args = parser.parse_args()
    supervisor = Supervisor(args.argv, args.cwd)
    signal.signal(signal.SIGTERM, supervisor.stop)
    signal.signal(signal.SIGINT, supervisor.stop)
    args.pid_file.write_text(f"{os.getpid()}\n")
    try:
        return supervisor.loop()
    finally:
        args.pid_file.unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main())
