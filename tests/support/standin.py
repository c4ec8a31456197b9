"""A stand-in `tailscale` executable: records each call and answers like a logged-in node."""

from __future__ import annotations

import json
import os
from pathlib import Path

DNS_NAME = "teamhub-test.example-tailnet.ts.net"
ADDRESS = "127.0.0.2"  # on Linux all of 127.0.0.0/8 is this machine

SCRIPT = f"""#!/usr/bin/python3
import json, sys
from pathlib import Path
here = Path(__file__).resolve().parent
with open(here / "calls.log", "a") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
if (here / "down").exists():
    print("Tailscale is stopped.", file=sys.stderr)
    sys.exit(1)
args = sys.argv[1:]
if args[:2] == ["ip", "-4"]:
    print({ADDRESS!r})
elif args[:2] == ["status", "--json"]:
    print(json.dumps({{"BackendState": "Running", "Self": {{"DNSName": {DNS_NAME + "."!r}}}}}))
elif args[:1] == ["serve"]:
    print("Available within your tailnet:\\n\\nhttps://{DNS_NAME}/")
else:
    print("unexpected: " + " ".join(args), file=sys.stderr)
    sys.exit(2)
"""


class Tailscale:
    """The stand-in in its own folder, to put first on PATH."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "tailscale").write_text(SCRIPT)
        (folder / "tailscale").chmod(0o755)

    @property
    def env(self) -> dict[str, str]:
        """PATH with the stand-in first."""
        return {"PATH": f"{self.folder}:{os.environ.get('PATH', '/usr/bin:/bin')}"}

    def calls(self) -> list[list[str]]:
        """Every argv the stand-in was run with, in order."""
        log = self.folder / "calls.log"
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []

    def stop(self) -> None:
        """From now on, answer as a machine where Tailscale is not running."""
        (self.folder / "down").touch()
