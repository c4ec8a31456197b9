"""The environments and tools panels in headless chromium: a package added, a tool through a hub restart."""

from __future__ import annotations

import os
from pathlib import Path

from tests.browser.conftest import PHONE
from tests.browser.test_team_page_browser import check_page, log_in, passwords
from tests.support.roots import Roots


def test_admin_adds_a_package_and_a_tool_and_the_page_follows_the_hub_restart(
    browser, installed: Roots, screenshots: Path
):
    lead = installed.name("lead")
    tool_dir = installed.base / "tool"
    tool_dir.mkdir()
    os.chmod(tool_dir, 0o755)
    installed.write_team(
        f'[users.{lead}]\nadmin = true\n\n[envs.small]\npython = "3.11"\npackages = ["six"]\n'
    )
    created = passwords(installed.teamhub("up").stdout)
    admin = log_in(browser, installed, lead, created[lead], next_url="/services/team/")
    admin.wait_for_selector('#env-list article[data-env="small"]')
    check_page(admin, screenshots, "envs-admin-laptop")

    # bad input: the CLI's sentence next to the field
    admin.fill("#env-drop-packages", "idna")
    admin.click("#env-drop button[type=submit]")
    admin.wait_for_selector("#env-drop-packages[aria-invalid=true]")
    assert "'idna' is not in environment 'small'" in admin.inner_text("#env-drop-packages-error")

    # add a package: the build's lines stream in, then the panel shows the new exact version
    admin.fill("#env-add-packages", "idna")
    admin.click("#env-add button[type=submit]")
    result = admin.wait_for_selector("#env-add-result:not(.d-none)", timeout=300_000).inner_text()
    assert "idna added to small" in result
    assert admin.locator("#env-add-progress li").count() >= 2
    admin.wait_for_selector('#env-list code:text-matches("^idna==")', state="attached")
    admin.click('article[data-env="small"] .env-history summary')
    check_page(admin, screenshots, "envs-package-added")

    # a tool: the hub restarts under the page, which keeps following and shows the result
    admin.fill("#add-tool-name", "marker")
    admin.fill("#add-tool-path", str(tool_dir))
    admin.fill("#add-tool-env", "THTOOL_MARK=mark-7")
    admin.click("#add-tool button[type=submit]")
    result = admin.wait_for_selector("#add-tool-result:not(.d-none)", timeout=300_000).inner_text()
    assert "Tool marker is added" in result
    assert "Restarting the hub for its new settings…" in admin.inner_text("#add-tool-progress")
    admin.wait_for_selector('#tools-table tr[data-tool="marker"]', timeout=120_000)
    check_page(admin, screenshots, "tools-added")

    phone = log_in(browser, installed, lead, created[lead], next_url="/services/team/", viewport=PHONE)
    phone.wait_for_selector('#tools-table tr[data-tool="marker"]')
    phone.click('article[data-env="small"] .env-history summary')
    check_page(phone, screenshots, "envs-tools-phone")
