"""The project plan: group names, memberships, links, and what it refuses (pure: no host)."""

from __future__ import annotations

from pathlib import Path

import pytest

from teamhub.errors import BadInput
from teamhub.plan import project_steps as ps
from teamhub.plan.projects import (
    Folder,
    Home,
    ProjectsView,
    Registry,
    effective_roles,
    plan_projects,
    project_groups,
)
from teamhub.team.load import parse

HEADER = """
[accounts]
group_prefix = "th-"

[users.peter]
admin = true
[users.bob]
[users.carol]
[users.dave]
"""


def team(body: str):  # type: ignore[no-untyped-def]
    return parse(HEADER + body, Path("team.toml"))


def view(**overrides) -> ProjectsView:  # type: ignore[no-untyped-def]
    values = {
        "data": "/srv/teamhub",
        "acl_support": True,
        "team_folders": Folder("dir"),
        "team_folders_problem": None,
        "registry": Registry(admins_group="th-_admins"),
        "groups": {"th-_admins": frozenset({"peter"})},
        "folders": {},
        "homes": {},
    }
    values.update(overrides)
    return ProjectsView(**values)


def archive(name: str) -> str:
    return f"/var/lib/teamhub/archive/projects/{name}-T.tar.gz"


def lines(steps) -> list[str]:  # type: ignore[no-untyped-def]
    return [step.describe() for step in steps]


ALPHA = Registry(projects={"alpha": ps.Groups("th-alpha", "th-alpha_ro")}, admins_group="th-_admins")


def test_group_names_are_the_project_name_when_it_is_a_valid_group_name() -> None:
    assert project_groups("teamhub-", "alpha-2") == ps.Groups("teamhub-alpha-2", "teamhub-alpha-2_ro")


@pytest.mark.parametrize("name", ["Big.Data", "01_notebooks", "x" * 64, "A"])
def test_other_names_get_a_short_hashed_group_name(name: str) -> None:
    groups = project_groups("teamhub-", name)
    assert len(groups.readers) <= 32
    assert groups.writers.startswith("teamhub-") and "_" not in groups.writers[len("teamhub-") :]
    assert groups.readers == groups.writers + "_ro"
    assert groups != project_groups("teamhub-", name + "x")


def test_case_and_dots_never_collide() -> None:
    names = ["alpha", "Alpha", "al.pha", "al-pha", "alpha-ro", "alpha_ro"]
    every = [group for name in names for group in vars(project_groups("th-", name)).values()]
    assert len(every) == len(set(every))


def test_admins_read_every_project_unless_hidden() -> None:
    t = team(
        '[projects.alpha]\nwriters = ["bob"]\nreaders = ["carol"]\n'
        '[projects.secret]\nwriters = ["bob"]\nadmins_see = false\n'
    )
    assert effective_roles(t, "alpha") == {"bob": "writer", "carol": "reader", "peter": "reader"}
    assert effective_roles(t, "secret") == {"bob": "writer"}


def test_a_new_project_creates_groups_folder_and_memberships() -> None:
    t = team('[projects.alpha]\nwriters = ["bob"]\nreaders = ["carol"]\n')
    steps = plan_projects(t, view(), archive)
    assert lines(steps) == [
        "+ project alpha (/srv/teamhub/projects/alpha)",
        "+ project alpha: bob writer",
        "+ project alpha: carol reader",
        "+ project alpha: peter reader",
    ]


def test_first_apply_makes_the_team_folders_and_the_admins_writers() -> None:
    steps = plan_projects(
        team(""), view(registry=Registry(), groups={}, team_folders=Folder("missing")), archive
    )
    assert lines(steps) == [
        "+ folders /srv/teamhub/projects and /srv/teamhub/shared/{pub,code}",
        "+ shared area: peter writer",
    ]


def test_roles_change_and_revocations_read_as_a_list() -> None:
    t = team('[projects.alpha]\nwriters = ["carol"]\nreaders = ["bob"]\n')
    groups = {
        "th-_admins": frozenset({"peter"}),
        "th-alpha": frozenset({"bob"}),
        "th-alpha_ro": frozenset({"carol", "dave", "peter"}),
    }
    homes = {
        user: Home(f"/home/{user}", "dir", {"alpha": "ours"}) for user in ("bob", "carol", "dave", "peter")
    }
    steps = plan_projects(
        t, view(registry=ALPHA, groups=groups, folders={"alpha": Folder("dir")}, homes=homes), archive
    )
    assert lines(steps) == [
        "~ project alpha: carol reader -> writer",
        "~ project alpha: bob writer -> reader",
        "- project alpha: dave (was reader)",
    ]


def test_nothing_to_do_when_the_host_matches() -> None:
    t = team('[projects.alpha]\nwriters = ["bob"]\n')
    groups = {
        "th-_admins": frozenset({"peter"}),
        "th-alpha": frozenset({"bob"}),
        "th-alpha_ro": frozenset({"peter"}),
    }
    homes = {user: Home(f"/home/{user}", "dir", {"alpha": "ours"}) for user in ("bob", "peter")}
    assert (
        plan_projects(
            t, view(registry=ALPHA, groups=groups, folders={"alpha": Folder("dir")}, homes=homes), archive
        )
        == []
    )


def test_missing_links_and_stray_links_are_fixed() -> None:
    t = team('[projects.alpha]\nwriters = ["bob"]\nadmins_see = false\n')
    groups = {"th-_admins": frozenset({"peter"}), "th-alpha": frozenset({"bob"}), "th-alpha_ro": frozenset()}
    homes = {"bob": Home("/home/bob"), "carol": Home("/home/carol", "dir", {"alpha": "ours"})}
    steps = plan_projects(
        t, view(registry=ALPHA, groups=groups, folders={"alpha": Folder("dir")}, homes=homes), archive
    )
    assert lines(steps) == ["+ link ~bob/projects/alpha", "- link ~carol/projects/alpha"]


def test_a_project_out_of_shape_is_repaired() -> None:
    t = team("[projects.alpha]\nadmins_see = false\n")
    groups = {"th-_admins": frozenset({"peter"}), "th-alpha": frozenset(), "th-alpha_ro": frozenset()}
    steps = plan_projects(
        t, view(registry=ALPHA, groups=groups, folders={"alpha": Folder("dir", False)}), archive
    )
    assert lines(steps) == ["~ project alpha: folder owner and permissions repaired"]


def test_an_existing_folder_is_adopted() -> None:
    t = team("[projects.alpha]\nadmins_see = false\n")
    steps = plan_projects(t, view(folders={"alpha": Folder("dir")}), archive)
    assert lines(steps) == ["+ project alpha (existing folder /srv/teamhub/projects/alpha adopted)"]


def test_a_project_gone_from_the_team_file_is_archived_then_removed() -> None:
    groups = {"th-_admins": frozenset({"peter"}), "th-alpha": frozenset({"bob"}), "th-alpha_ro": frozenset()}
    steps = plan_projects(
        team(""), view(registry=ALPHA, groups=groups, folders={"alpha": Folder("dir")}), archive
    )
    assert lines(steps) == ["- project alpha (archived to /var/lib/teamhub/archive/projects/alpha-T.tar.gz)"]
    assert isinstance(steps[0], ps.RemoveProject) and steps[0].groups == ps.Groups("th-alpha", "th-alpha_ro")


def test_a_folder_teamhub_did_not_make_is_never_removed() -> None:
    assert plan_projects(team(""), view(folders={"stray": Folder("dir")}), archive) == []


@pytest.mark.parametrize(
    ("overrides", "needle"),
    [
        ({"acl_support": False}, "does not support POSIX ACLs"),
        (
            {"team_folders_problem": "/srv/teamhub/projects is a symbolic link; move it away."},
            "symbolic link",
        ),
        ({"folders": {"alpha": Folder("symlink")}}, "is a symbolic link, not project 'alpha'"),
        ({"folders": {"alpha": Folder("other")}}, "is not a folder"),
        (
            {"groups": {"th-_admins": frozenset(), "th-alpha": frozenset()}},
            "'th-alpha' for project 'alpha' already",
        ),
        ({"groups": {"th-alpha_ro": frozenset()}}, "'th-alpha_ro' for project 'alpha' already exists"),
        ({"registry": Registry(), "groups": {"th-_admins": frozenset()}}, "'th-_admins' already exists"),
        ({"homes": {"bob": Home("/home/bob", "bad")}}, "/home/bob/projects is not a plain folder"),
        (
            {"homes": {"bob": Home("/home/bob", "dir", {"alpha": "foreign"})}},
            "/home/bob/projects/alpha exists",
        ),
    ],
)
def test_refusals(overrides: dict, needle: str) -> None:
    t = team('[projects.alpha]\nwriters = ["bob"]\n')
    with pytest.raises(BadInput, match=needle.replace("(", r"\(")) as caught:
        plan_projects(t, view(**overrides), archive)
    text = str(caught.value)
    assert text.count(". ") == 0 and text.endswith(".")


def test_a_foreign_link_of_someone_without_access_is_left_alone() -> None:
    t = team('[projects.alpha]\nwriters = ["bob"]\nadmins_see = false\n')
    homes = {"carol": Home("/home/carol", "dir", {"alpha": "foreign"})}
    assert "carol" not in " ".join(lines(plan_projects(t, view(homes=homes), archive)))


def test_a_removed_admin_stops_writing_the_shared_area() -> None:
    groups = {"th-_admins": frozenset({"peter", "olga"})}
    steps = plan_projects(team(""), view(groups=groups), archive)
    assert lines(steps) == ["- shared area: olga writer"]
