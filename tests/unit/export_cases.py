"""Teams the export tests share: the seed's team, and one that uses every feature."""

from __future__ import annotations

from pathlib import Path

from teamhub.export.bundle import Bundle, export_k8s
from teamhub.team.load import parse

CONFIG = Path("/etc/teamhub/team.toml")
GOLDEN = Path(__file__).parent / "golden"
SEED_TEAM = (GOLDEN / "seed-team.toml").read_text()
SEED_LOCK = (GOLDEN / "seed-py311.lock").read_text()

FULL_TEAM = """\
[hub]
name = "Operations research lab"
ui = "notebook"
idle_timeout = 600

[limits]
memory = "2G"
cpu = 2.0

[users.peter]
admin = true
[users.ada]
admin = true
[users.wendy]
limits = { memory = "4G" }
[users.rita]
[users.nora]

[projects.alpha]
writers = ["peter", "wendy"]
readers = ["rita"]

[projects.beta]
writers = ["rita"]
readers = ["wendy", "ada"]

[envs.py311]
python = "3.11"
packages = ["pandas"]

[envs.ml]
python = "3.12.4"
packages = ["scikit-learn", "torch"]
display_name = "Machine learning"
default = true

[tools.gams]
recipe = "gams"
check = "gams"

[tools.solver]
path = "/opt/teamhub/tools/solver"
[tools.solver.env]
SOLVER_HOME = "/opt/teamhub/tools/solver"
LD_LIBRARY_PATH = "/opt/teamhub/tools/solver/lib"
"""

OAUTH = """
[export]
authenticator = "github"
oauth_client_id = "abc123"
public_url = "https://hub.example.org"
logins = { peter = "Peter-GH" }
registry = "registry.example.org/or-lab"
storage_class = "nfs-client"
memory_guarantee = "1G"
cpu_guarantee = 0.5
"""


def bundle(text: str, locks: dict[str, str] | None = None, shared_envs: bool = False) -> Bundle:
    """The export of a team file's text."""
    return export_k8s(parse(text, CONFIG), CONFIG, locks or {}, shared_envs=shared_envs)


# every way of exporting the test teams, for the validity tests
VARIANTS = {
    "seed": (SEED_TEAM, {"py311": SEED_LOCK}, False),
    "seed-unlocked-shared": (SEED_TEAM, {}, True),
    "full": (FULL_TEAM, {"ml": "scikit-learn==1.5.2\n"}, False),
    "full-shared": (FULL_TEAM, {}, True),
    "full-oauth": (FULL_TEAM + OAUTH, {}, False),
    "minimal": ("[users.solo]\nadmin = true\n", {}, False),
}
