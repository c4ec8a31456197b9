"""`python -m teamhub.web --config TEAM_FILE`: the team page alone (the hub runs it in its services)."""

from __future__ import annotations

import sys

from teamhub.web.app import main

if __name__ == "__main__":
    sys.exit(main())
