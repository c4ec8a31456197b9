"""values.yaml validates against the chart's schema and says what the team file says."""

from __future__ import annotations

import jsonschema
import pytest
import yaml

from teamhub.export.chart import ENVS_CLAIM, SHARED_ENVS, values_schema
from tests.unit.export_cases import FULL_TEAM, OAUTH, SEED_LOCK, SEED_TEAM, VARIANTS, bundle

VALIDATOR = jsonschema.Draft7Validator(values_schema())


def values_of(text: str, **options) -> dict:
    return yaml.safe_load(bundle(text, **options).files["values.yaml"])


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_values_validate_against_the_chart_schema(variant: str):
    text, locks, shared = VARIANTS[variant]
    errors = sorted(VALIDATOR.iter_errors(values_of(text, locks=locks, shared_envs=shared)), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_the_schema_check_is_real():
    broken = values_of(SEED_TEAM)
    broken["singleuser"]["memory"] = {"limit": [1]}
    del broken["cull"]
    messages = [error.message for error in VALIDATOR.iter_errors(broken)]
    assert any("'cull' is a required property" in m for m in messages)
    assert any("[1] is not of type" in m for m in messages)


def test_native_login_for_the_team_only_with_admins_from_the_team_file():
    config = values_of(FULL_TEAM)["hub"]["config"]
    assert config["JupyterHub"]["authenticator_class"] == "nativeauthenticator.NativeAuthenticator"
    assert config["Authenticator"]["admin_users"] == ["peter", "ada"]
    assert config["Authenticator"]["allowed_users"] == ["peter", "ada", "wendy", "rita", "nora"]
    assert config["Authenticator"]["allow_existing_users"] is False
    assert config["NativeAuthenticator"]["enable_signup"] is True
    assert config["NativeAuthenticator"]["open_signup"] is False


def test_one_group_per_project_with_writers_and_readers():
    groups = values_of(FULL_TEAM)["hub"]["config"]["JupyterHub"]["load_groups"]
    assert groups == {
        "alpha": {"users": ["peter", "wendy", "rita"]},
        "beta": {"users": ["rita", "wendy", "ada"]},
    }


def test_oauth_uses_provider_logins_everywhere():
    found = values_of(FULL_TEAM + OAUTH)
    config = found["hub"]["config"]
    assert config["JupyterHub"]["authenticator_class"] == "oauthenticator.github.GitHubOAuthenticator"
    assert config["GitHubOAuthenticator"] == {
        "client_id": "abc123",
        "oauth_callback_url": "https://hub.example.org/hub/oauth_callback",
    }
    assert "NativeAuthenticator" not in config
    assert config["Authenticator"]["admin_users"] == ["peter-gh", "ada"]
    assert config["JupyterHub"]["load_groups"]["alpha"]["users"][0] == "peter-gh"
    assert '"writers": ["peter-gh", "wendy"]' in found["hub"]["extraConfig"]["teamhub-projects.py"]
    assert found["singleuser"]["image"]["name"] == "registry.example.org/or-lab/ml"
    assert found["singleuser"]["storage"]["dynamic"] == {"storageClass": "nfs-client"}


def test_one_profile_per_environment_the_default_first():
    single = values_of(FULL_TEAM)["singleuser"]
    profiles = single["profileList"]
    assert [p["display_name"] for p in profiles] == ["Machine learning", "py311"]
    assert profiles[0]["default"] is True and "default" not in profiles[1]
    image = single["image"]
    assert profiles[0]["kubespawner_override"]["image"] == f"{image['name']}:{image['tag']}"
    assert profiles[1]["kubespawner_override"]["image"].startswith("registry.invalid/teamhub/py311:")
    assert single["defaultUrl"] == "/tree"


def test_image_tags_follow_the_lock_file():
    first = values_of(SEED_TEAM, locks={"py311": SEED_LOCK})["singleuser"]["image"]["tag"]
    again = values_of(SEED_TEAM, locks={"py311": SEED_LOCK})["singleuser"]["image"]["tag"]
    changed = values_of(SEED_TEAM, locks={"py311": SEED_LOCK + "tqdm==4.67.1\n"})["singleuser"]["image"][
        "tag"
    ]
    assert first == again != changed


def test_tool_variables_reach_every_server():
    env = values_of(FULL_TEAM)["singleuser"]["extraEnv"]
    assert env["SOLVER_HOME"] == "/opt/teamhub/tools/solver"
    assert env["LD_LIBRARY_PATH"] == "/opt/teamhub/tools/gams/sysdir:/opt/teamhub/tools/solver/lib"
    assert env["PATH"].startswith("/opt/teamhub/tools/gams/sysdir:/opt/env/bin:")
    assert env["PATH"].endswith(":/usr/bin:/sbin:/bin")


def test_limits_get_guarantees_a_quarter_unless_the_team_file_says():
    single = values_of(FULL_TEAM)["singleuser"]
    assert single["memory"] == {"limit": "2G", "guarantee": "512M"}
    assert single["cpu"] == {"limit": 2.0, "guarantee": 0.5}
    chosen = values_of(FULL_TEAM + OAUTH)["singleuser"]
    assert chosen["memory"] == {"limit": "2G", "guarantee": "1G"}
    assert chosen["cpu"] == {"limit": 2.0, "guarantee": 0.5}
    assert "memory" not in values_of(SEED_TEAM)["singleuser"]


def test_per_user_limits_are_applied_before_spawn():
    code = values_of(FULL_TEAM)["hub"]["extraConfig"]["teamhub-limits.py"]
    assert (
        '"wendy": {"mem_limit": "4G", "mem_guarantee": "1G", "cpu_limit": 2.0, "cpu_guarantee": 0.5}' in code
    )
    assert "teamhub-limits.py" not in values_of(SEED_TEAM)["hub"]["extraConfig"]


def test_idle_culler_as_on_the_host():
    assert values_of(FULL_TEAM)["cull"] == {"enabled": True, "timeout": 600, "every": 300, "users": False}
    assert values_of(SEED_TEAM)["cull"]["timeout"] == 3600
    assert values_of(SEED_TEAM.replace("[hub]", "[hub]\nidle_timeout = 0"))["cull"] == {"enabled": False}


def test_shared_envs_mount_one_read_only_volume_and_one_image():
    single = values_of(FULL_TEAM, shared_envs=True)["singleuser"]
    assert "profileList" not in single
    assert single["image"]["name"].endswith("/base")
    assert single["storage"]["extraVolumeMounts"] == {
        ENVS_CLAIM: {"name": ENVS_CLAIM, "mountPath": SHARED_ENVS, "readOnly": True}
    }
    assert single["storage"]["extraVolumes"][ENVS_CLAIM]["persistentVolumeClaim"]["readOnly"] is True


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # nativeauthenticator's own import
def test_every_hub_setting_is_a_real_trait_of_the_hubs_classes():
    from jupyterhub.app import JupyterHub
    from jupyterhub.auth import Authenticator
    from nativeauthenticator import NativeAuthenticator
    from traitlets.utils.importstring import import_item

    classes = {
        "JupyterHub": JupyterHub,
        "Authenticator": Authenticator,
        "NativeAuthenticator": NativeAuthenticator,
    }
    config = values_of(FULL_TEAM)["hub"]["config"]
    assert import_item(config["JupyterHub"]["authenticator_class"]) is NativeAuthenticator
    for name, settings in config.items():
        unknown = set(settings) - set(classes[name].class_traits(config=True))
        assert not unknown, f"{name} has no settings {unknown}"
