"""The login throttle as the CLI sees it: the same file and policy the hub uses."""

from __future__ import annotations

from teamhub.errors import BadInput
from teamhub.hubside.throttle import LoginThrottle, Policy
from teamhub.team.load import TeamFile


def throttle_for(tf: TeamFile) -> LoginThrottle:
    """The installation's login throttle (refused before `teamhub up` made <state>)."""
    if not tf.paths.state.is_dir():
        raise BadInput(f"teamhub is not set up here ({tf.paths.state} is missing); run `teamhub up` first.")
    login = tf.team.hub.login
    policy = Policy(login.max_failures, login.address_max_failures, login.window, login.lockout)
    return LoginThrottle(tf.paths.login_throttle, policy)
