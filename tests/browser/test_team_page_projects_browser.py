"""Projects and doctor in headless chromium: a user added and given a project opens it in JupyterLab."""

from __future__ import annotations

import re
from pathlib import Path

from tests.browser.conftest import PHONE
from tests.browser.test_team_page_browser import POST_AS_PAGE, check_page, log_in, passwords
from tests.support.roots import Roots


def listed(lab, name: str):  # type: ignore[no-untyped-def]
    """The entry called `name` in JupyterLab's file browser."""
    return lab.locator(".jp-DirListing-itemText", has_text=re.compile(rf"^\s*{re.escape(name)}\s*$"))


def open_folder(lab, name: str) -> None:  # type: ignore[no-untyped-def]
    """Double-click a folder in JupyterLab's file browser and wait until the listing is inside it."""
    listed(lab, name).dblclick()
    lab.wait_for_selector(f'.jp-BreadCrumbs-item:text-is("{name}")')


def test_admin_adds_a_user_grants_a_project_and_the_user_sees_it_in_jupyterlab(
    browser, installed: Roots, screenshots: Path
):
    lead, vice, dee = installed.name("lead"), installed.name("vice"), installed.name("dee")
    proj = installed.name("atlas")
    installed.write_team(f"[users.{lead}]\nadmin = true\n\n[users.{vice}]\nadmin = true\n")
    created = passwords(installed.teamhub("up").stdout)
    admin = log_in(browser, installed, lead, created[lead], next_url="/services/team/")
    admin.wait_for_selector("#add-project")
    second = log_in(browser, installed, vice, created[vice], next_url="/services/team/")
    second.wait_for_selector("#section-doctor")
    second.evaluate("() => { window.notReloaded = true; }")

    # the admin adds a user in the page
    admin.fill("#add-user-name", dee)
    admin.click("#add-user button[type=submit]")
    password = admin.wait_for_selector("#add-user-result .generated-password").inner_text()

    # creating a project: a bad name gets the CLI's sentence at the field, then the project is made
    admin.fill("#add-project-name", "Bad Name")
    admin.click("#add-project button[type=submit]")
    admin.wait_for_selector("#add-project-name[aria-invalid=true]")
    assert "name 'Bad Name' is not valid" in admin.inner_text("#add-project-name-error")
    admin.fill("#add-project-name", proj)
    admin.click("#add-project button[type=submit]")
    result = admin.wait_for_selector("#add-project-result:not(.d-none)", timeout=120_000).inner_text()
    assert f"Project {proj} is ready" in result
    admin.wait_for_selector(f'#projects-table tr[data-project="{proj}"]')

    # granting: the form's menus already list the new project and user (no reload)
    admin.wait_for_selector(f'#grant-project option[value="{proj}"]', state="attached")
    admin.wait_for_selector(f'#grant-user option[value="{dee}"]', state="attached")
    admin.select_option("#grant-project", proj)
    admin.select_option("#grant-user", dee)
    admin.select_option("#grant-access", "read-write")
    admin.click("#grant button[type=submit]")
    result = admin.wait_for_selector("#grant-result:not(.d-none)", timeout=120_000).inner_text()
    assert f"{dee} now has read-write access to {proj}" in result
    admin.wait_for_selector(f'#projects-table tr[data-project="{proj}"] li[data-member="{dee}"]')
    check_page(admin, screenshots, "projects-admin-laptop")

    # the second admin saw it all arrive without reloading
    second.wait_for_selector(f'#projects-table li[data-member="{dee}"][data-access="read-write"]')
    assert second.evaluate("() => window.notReloaded") is True

    # the user logs in to JupyterLab (a real spawn) and finds projects/<name> in the file browser
    lab = log_in(browser, installed, dee, password)
    lab.wait_for_selector(".jp-DirListing-content", timeout=120_000)
    lab.screenshot(path=str(screenshots / "member-jupyterlab-home.png"))
    open_folder(lab, "projects")
    listed(lab, proj).wait_for()
    lab.screenshot(path=str(screenshots / "member-jupyterlab-project.png"))
    open_folder(lab, proj)
    lab.screenshot(path=str(screenshots / "member-jupyterlab-inside-project.png"))

    # their own team page: the project and its access; no project or doctor controls, refused if posted
    mine = log_in(browser, installed, dee, password, next_url="/services/team/")
    mine.wait_for_selector("#my-projects")
    assert f"projects/{proj}" in mine.inner_text("#my-projects") and "read-write" in mine.inner_text(
        "#my-projects"
    )
    for admin_only in ("#section-projects", "#add-project", "#grant", "#section-doctor", "#doctor"):
        assert mine.locator(admin_only).count() == 0, admin_only
    for path in ("api/projects", "api/projects/grant", f"api/projects/{proj}/remove", "api/doctor"):
        assert mine.evaluate(POST_AS_PAGE, path) == [403, "only team admins can do this"]
    check_page(mine, screenshots, "projects-member-laptop")
    phone_member = log_in(browser, installed, dee, password, next_url="/services/team/", viewport=PHONE)
    phone_member.wait_for_selector("#my-projects")
    check_page(phone_member, screenshots, "projects-member-phone")

    # doctor: one admin starts it, the other sees it run and end without reloading
    admin.click("#doctor button[type=submit]")
    second.wait_for_selector('#doctor-state[data-state="running"]', timeout=60_000)
    second.screenshot(path=str(screenshots / "doctor-running-second-admin.png"), full_page=True)
    done = admin.wait_for_selector("#doctor-result:not(.d-none)", timeout=300_000).inner_text()
    assert done.startswith("Doctor finished:")
    second.wait_for_selector("#doctor-table", timeout=60_000)
    assert second.evaluate("() => window.notReloaded") is True
    assert f"by {lead}" in second.inner_text("#doctor-summary")
    check_page(admin, screenshots, "doctor-admin-laptop")
    phone_admin = log_in(browser, installed, lead, created[lead], next_url="/services/team/", viewport=PHONE)
    phone_admin.wait_for_selector("#doctor-table")
    check_page(phone_admin, screenshots, "projects-doctor-admin-phone")

    # remove: the confirmation names the archive, the result names the file
    admin.click(f'#projects-table button[aria-label="Remove project {proj}"]')
    dialog = admin.wait_for_selector("#confirm-dialog[open]")
    archive_dir = str(installed.base / "state" / "archive" / "projects")
    assert f"{archive_dir}/{proj}-" in dialog.inner_text()
    admin.screenshot(path=str(screenshots / "project-remove-confirm.png"))
    admin.click("#confirm-ok")
    result = admin.wait_for_selector("#projects-result:not(.d-none)", timeout=120_000).inner_text()
    assert f"archived to {archive_dir}/{proj}-" in result
    admin.wait_for_selector(f'#projects-table tr[data-project="{proj}"]', state="detached")
    check_page(admin, screenshots, "project-removed")
