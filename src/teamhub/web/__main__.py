"""`python -m teamhub.web --config TEAM_FILE`: started by the hub as its `team` service."""

from __future__ import annotations

import sys

from teamhub.web.app import main

if __name__ == "__main__":
    sys.exit(main())
