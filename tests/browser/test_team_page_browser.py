"""The team page in headless chromium: an admin adds a user who logs in, a member's own page, phones."""

from __future__ import annotations

from pathlib import Path

from tests.browser.conftest import LAPTOP, PHONE
from tests.support.roots import Roots, passwords

UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea, button')].filter((el) => {
  if (el.type === 'hidden') return false;
  const byFor = el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`);
  const labelledBy = (el.getAttribute('aria-labelledby') || '').split(' ').filter(Boolean)
    .some((id) => document.getElementById(id));
  const named = (el.getAttribute('aria-label') || '').trim() || (el.title || '').trim();
  const text = el.tagName === 'BUTTON' && el.textContent.trim();
  return !(byFor || el.closest('label') || labelledBy || named || text);
}).map((el) => el.outerHTML.slice(0, 160))"""

OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"

POST_AS_PAGE = """async (path) => {
  const page = document.getElementById('team-page');
  const answer = await fetch(page.dataset.prefix + path, {
    method: 'POST', headers: {'X-XSRFToken': page.dataset.xsrf}, body: new URLSearchParams({name: 'sneaky'}),
  });
  return [answer.status, (await answer.json()).error];
}"""


def log_in(browser, roots: Roots, name: str, password: str, next_url: str = "", viewport=LAPTOP):  # type: ignore[no-untyped-def]
    """A new browser context logged in through the hub's own form; its page."""
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(60_000)
    page = context.new_page()
    page.goto(roots.url + "hub/login" + (f"?next={next_url}" if next_url else ""))
    page.fill("#username_input", name)
    page.fill("#password_input", password)
    page.click("#login_submit")
    page.wait_for_url(lambda url: "/hub/login" not in url, wait_until="commit")
    return page


def refused_login(browser, roots: Roots, name: str, password: str) -> bool:  # type: ignore[no-untyped-def]
    """True when the hub's login form turns the password down (and shows why)."""
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    page.goto(roots.url + "hub/login?next=/hub/home")
    page.fill("#username_input", name)
    page.fill("#password_input", password)
    with page.expect_navigation(timeout=60_000):
        page.click("#login_submit")
    refused = "/hub/login" in page.url and page.locator("p.login_error").count() == 1
    context.close()
    return refused


def check_page(page, shots: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    """Every control has a label, nothing is wider than the screen; then a screenshot."""
    assert page.evaluate(UNLABELLED) == [], f"{name}: controls without a label"
    assert page.evaluate(OVERFLOW) <= 0, f"{name}: the page is wider than the screen"
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)


def test_admin_adds_a_user_who_logs_in_and_manages_their_password(
    browser, installed: Roots, screenshots: Path
):
    lead, vice, cy = installed.name("lead"), installed.name("vice"), installed.name("cy")
    installed.write_team(f"[users.{lead}]\nadmin = true\n\n[users.{vice}]\nadmin = true\n")
    created = passwords(installed.teamhub("up").stdout)
    team_url = installed.url + "services/team/"

    # the admin finds the page from the hub's navigation bar
    admin = log_in(browser, installed, lead, created[lead], next_url="/hub/home")
    admin.click("#teamhub-team-link")
    admin.wait_for_selector("#users-table")
    check_page(admin, screenshots, "admin-laptop")
    second = log_in(browser, installed, vice, created[vice], next_url="/services/team/")
    second.wait_for_selector("#users-table")
    second.evaluate("() => { window.notReloaded = true; }")

    # bad input: the message sits next to the field
    admin.fill("#add-user-name", "Bad Name")
    admin.click("#add-user button[type=submit]")
    admin.wait_for_selector("#add-user-name[aria-invalid=true]")
    assert "is not valid" in admin.inner_text("#add-user-name-error")
    admin.screenshot(path=str(screenshots / "admin-bad-input.png"))

    # add: the progress, then the password, shown once
    admin.fill("#add-user-name", cy)
    admin.fill("#add-user-full_name", "Cy Dee")
    admin.click("#add-user button[type=submit]")
    password = admin.wait_for_selector("#add-user-result .generated-password").inner_text()
    assert len(password) >= 20
    assert admin.get_attribute("#add-user-name", "aria-invalid") is None
    admin.screenshot(path=str(screenshots / "admin-user-added.png"), full_page=True)

    # the second admin's open page shows the new user, without a reload
    second.wait_for_selector(f'#users-table tr[data-user="{cy}"]')
    assert second.evaluate("() => window.notReloaded") is True
    second.screenshot(path=str(screenshots / "second-admin-live.png"), full_page=True)

    # the new user logs in with that password and lands in JupyterLab
    member = log_in(browser, installed, cy, password)
    member.wait_for_selector(".jp-DirListing-content", timeout=120_000)
    member.screenshot(path=str(screenshots / "member-jupyterlab.png"))

    # their team page: no admin controls, and posting to one directly is refused
    member.goto(team_url)
    member.wait_for_selector("#change-password")
    for admin_only in ("#section-users", "#add-user", "#users-table", "#section-audit", "[data-post]"):
        assert member.locator(admin_only).count() == 0, admin_only
    check_page(member, screenshots, "member-laptop")
    for path in ("api/users", f"api/users/{lead}/remove", f"api/users/{lead}/password"):
        assert member.evaluate(POST_AS_PAGE, path) == [403, "only team admins can do this"]

    # change my password: the wrong current one is refused at its field, then the change works
    member.fill("#change-password-current", "not-my-password")
    member.fill("#change-password-new", "Cy-new-pass-1")
    member.fill("#change-password-repeat", "Cy-new-pass-1")
    member.click("#change-password button[type=submit]")
    member.wait_for_selector("#change-password-current[aria-invalid=true]")
    assert "not your current password" in member.inner_text("#change-password-current-error")
    member.fill("#change-password-current", password)
    member.fill("#change-password-new", "Cy-new-pass-1")
    member.fill("#change-password-repeat", "Cy-new-pass-1")
    member.click("#change-password button[type=submit]")
    member.wait_for_selector("#change-password-result:not(.d-none)")
    assert "password is changed" in member.inner_text("#change-password-result")
    member.screenshot(path=str(screenshots / "member-password-changed.png"), full_page=True)
    assert refused_login(browser, installed, cy, password)
    again = log_in(browser, installed, cy, "Cy-new-pass-1", next_url="/services/team/")
    again.wait_for_selector("#change-password")

    # at a phone's width: both pages fit, every control still labelled
    phone_member = log_in(browser, installed, cy, "Cy-new-pass-1", next_url="/services/team/", viewport=PHONE)
    phone_member.wait_for_selector("#change-password")
    check_page(phone_member, screenshots, "member-phone")
    phone_admin = log_in(browser, installed, lead, created[lead], next_url="/services/team/", viewport=PHONE)
    phone_admin.wait_for_selector("#users-table")
    check_page(phone_admin, screenshots, "admin-phone")

    # remove: the confirmation names where the home is archived, the result names the file
    admin.click(f'#users-table tr[data-user="{cy}"] button[aria-label="Remove {cy}"]')
    dialog = admin.wait_for_selector("#confirm-dialog[open]")
    archive_dir = str(installed.base / "state" / "archive")
    assert f"{archive_dir}/{cy}-" in dialog.inner_text()
    admin.screenshot(path=str(screenshots / "admin-remove-confirm.png"))
    admin.click("#confirm-ok")
    result = admin.wait_for_selector("#users-result:not(.d-none)", timeout=120_000).inner_text()
    assert f"archived to {archive_dir}/{cy}-" in result
    admin.wait_for_selector(f'#users-table tr[data-user="{cy}"]', state="detached")
    check_page(admin, screenshots, "admin-user-removed")
