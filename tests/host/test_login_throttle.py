"""Login throttling on a real hub: locks with the time left, kept across restarts, cleared by an admin;
and wrong passwords (PAM sleeps ~3 s each) do not hold up someone else's correct login."""

from __future__ import annotations

import re
import subprocess
import time

from tests.support.logins import login, storm
from tests.support.roots import Roots

INVALID = "Invalid username or password"


def passwords(output: str) -> dict[str, str]:
    return dict(re.findall(r"password for (\S+): (\S+)", output))


def test_failed_logins_lock_a_name_and_an_address_until_the_lock_ends_or_an_admin_clears_it(
    installed: Roots,
):
    lead, ann = installed.name("lead"), installed.name("ann")
    installed.write_team(
        f"[hub.login]\nmax_failures = 3\naddress_max_failures = 4\n\n"
        f"[users.{lead}]\nadmin = true\n\n[users.{ann}]\n"
    )
    created = passwords(installed.teamhub("up").stdout)
    url = installed.url

    for _ in range(3):
        wrong = login(url, ann, "wrong-password", source="127.0.0.2")
        assert wrong.status == 403 and INVALID in wrong.text
    refused = login(url, ann, created[ann], source="127.0.0.3")  # right password, other address
    assert refused.status == 429
    assert re.search(
        rf"Too many failed logins for {ann}; try again in [45] min( \d+ s)? or ask", refused.text
    )
    assert login(url, lead, created[lead]).ok  # others are not affected

    installed.teamhub("restart")
    assert login(url, ann, created[ann]).status == 429  # the lock survives a hub restart

    unlocked = installed.teamhub("user", "unlock", ann)
    assert f"{ann} can log in again." in unlocked.stdout
    assert login(url, ann, created[ann]).ok
    assert f"{ann} was not locked." in installed.teamhub("user", "unlock", ann).stdout

    # one address trying many names is locked as a whole, for every name
    for number in range(4):
        assert login(url, installed.name(f"x{number}"), "guess", source="127.0.0.5").status == 403
    from_there = login(url, lead, created[lead], source="127.0.0.5")
    assert (
        from_there.status == 429 and "Too many failed logins from 127.0.0.5; try again in" in from_there.text
    )
    assert login(url, lead, created[lead], source="127.0.0.6").ok
    installed.teamhub("user", "unlock", "--address", "127.0.0.5")
    assert login(url, lead, created[lead], source="127.0.0.5").ok

    nothing = installed.teamhub("user", "unlock", check=False)
    assert nothing.returncode == 2 and "name a user or --address to unlock" in nothing.stderr
    stranger = installed.teamhub("user", "unlock", installed.name("zed"), check=False)
    assert stranger.returncode == 2 and "is not in the team" in stranger.stderr
    audit = (installed.base / "log" / "audit.log").read_text()
    assert f'"user unlock {ann}"' in audit


def test_twenty_wrong_passwords_at_once_do_not_hold_up_a_correct_login(installed: Roots):
    lead = installed.name("lead")
    victims = [installed.name(f"v{n}") for n in range(8)]
    installed.write_team(f"[users.{lead}]\nadmin = true\n\n" + "".join(f"[users.{v}]\n" for v in victims))
    created = passwords(installed.teamhub("up").stdout)

    for group, offset in ((victims[:4], 0.0), (victims[4:], 1.0)):
        found = storm(installed.url, (lead, created[lead]), group, wrong_count=20, offset_s=offset)
        assert found.correct_ok
        assert len(found.wrong) == 20
        assert all(attempt.status == 403 for attempt in found.wrong)  # every one went through PAM
        slowest_wrong = max(attempt.seconds for attempt in found.wrong)
        assert slowest_wrong > 1.0  # PAM's failure delay really happened around the correct login
        print(
            f"\nlogin storm: correct login {offset:g} s after 20 wrong passwords: "
            f"{found.during_s * 1000:.0f} ms vs {found.idle_s * 1000:.0f} ms at rest "
            f"(ratio {found.ratio:.2f}, target <= 2);"
            f" slowest wrong password {slowest_wrong:.1f} s"
        )


def test_pam_check_hands_back_pams_failure_delay_instead_of_sleeping(roots: Roots):
    from teamhub.hubside import pamcheck

    ann = roots.name("pam")
    subprocess.run(["useradd", "--no-create-home", ann], check=True)
    subprocess.run(["chpasswd"], input=f"{ann}:Right-pass-42\n", text=True, check=True)

    assert pamcheck.check(ann, "Right-pass-42") == pamcheck.Verdict(True)
    started = time.monotonic()
    wrong = pamcheck.check(ann, "wrong-password")
    took = time.monotonic() - started
    assert not wrong.ok and wrong.error == "Authentication failure"
    # /etc/pam.d/login asks for ~3 s (pam_faildelay); the check returned without sleeping it
    assert wrong.delay_s >= 1.0 and took < wrong.delay_s, (wrong, took)
    assert not pamcheck.check(roots.name("nobody"), "x").ok
