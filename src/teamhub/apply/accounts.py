"""Linux accounts and groups: observe them, create, adopt, archive and remove them."""

from __future__ import annotations

import grp
import os
import pwd
import secrets
import shutil
import tarfile
import time
from pathlib import Path

from teamhub.errors import BadInput, TeamhubError
from teamhub.plan.users import Account, AccountsView
from teamhub.runner import run
from teamhub.team.model import AccountsSection

PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def observe(names: list[str], accounts: AccountsSection) -> AccountsView:
    """The accounts named, plus every member of the managed group, as the host has them."""
    try:
        members = set(grp.getgrnam(accounts.managed_group).gr_mem)
        group_exists = True
    except KeyError:
        members, group_exists = set(), False
    found: dict[str, Account] = {}
    unset = accounts_without_password()
    for name in sorted(set(names) | members):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        found[name] = Account(
            name=name,
            uid=entry.pw_uid,
            home=entry.pw_dir,
            full_name=entry.pw_gecos.split(",")[0],
            managed=name in members,
            has_password=name not in unset,
        )
    return AccountsView(accounts=found, managed_group_exists=group_exists)


NO_PASSWORD = frozenset({"", "!", "!!", "*", "!*"})


def accounts_without_password(shadow: Path = Path("/etc/shadow")) -> set[str]:
    """Accounts whose password was never set (useradd leaves '!'), read from the shadow file."""
    try:
        lines = shadow.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return set()
    fields = [line.split(":") for line in lines if line.count(":") >= 2]
    return {parts[0] for parts in fields if parts[1] in NO_PASSWORD}


def group_exists(group: str) -> bool:
    """True when the Linux group exists."""
    try:
        grp.getgrnam(group)
    except KeyError:
        return False
    return True


def ensure_group(group: str) -> bool:
    """Create a system group unless it exists; True when created."""
    if group_exists(group):
        return False
    run(["groupadd", "--system", group], what=f"creating group {group}")
    return True


def create_user(name: str, full_name: str, accounts: AccountsSection, *, managed: bool = True) -> None:
    """Create an account: bash, a private home, in the managed group unless `managed` is False."""
    home = accounts.home_root / name
    argv = ["useradd", "--create-home", "--home-dir", str(home), "--shell", accounts.shell]
    argv += ["--key", "HOME_MODE=0700"]
    argv += ["--groups", accounts.managed_group] if managed else []
    argv += ["--comment", full_name, "--user-group", name]
    run(argv, what=f"creating user {name}")
    os.chmod(home, 0o700)


def set_full_name(name: str, full_name: str) -> None:
    """Change the GECOS full name of an account."""
    run(["usermod", "--comment", full_name, name], what=f"renaming user {name}")


def generate_password() -> str:
    """A strong password that is easy to type: four groups of five unambiguous characters."""
    groups = ["".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(5)) for _ in range(4)]
    return "-".join(groups)


def check_password(password: str) -> str:
    """Refuse passwords that chpasswd cannot take or that are empty."""
    if not password.strip():
        raise BadInput("the password is empty; type a password or leave out --password-stdin.")
    if "\n" in password or "\r" in password or "\0" in password:
        raise BadInput("a password must be a single line; type it again.")
    return password


def set_password(name: str, password: str) -> None:
    """Set an account's password through chpasswd (PAM's own hashing)."""
    run(
        ["chpasswd"],
        input=f"{name}:{check_password(password)}\n",
        what=f"setting {name}'s password",
    )


def set_passwords(passwords: dict[str, str]) -> None:
    """Set many accounts' passwords in one chpasswd call."""
    lines = "".join(f"{name}:{check_password(password)}\n" for name, password in passwords.items())
    run(["chpasswd"], input=lines, what="setting the new users' passwords")


def archive_home(home: Path, destination: Path) -> Path:
    """Pack a home into a root-only .tar.gz at `destination` and return it."""
    destination.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(destination.parent, 0o700)
    fd = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
        if home.is_dir():
            tar.add(home, arcname=home.name)
    return destination


def end_processes(uid: int, wait: float = 10.0) -> None:
    """Kill every process of `uid` and wait until none is left."""
    deadline = time.monotonic() + wait
    while run(["pkill", "--signal", "KILL", "--uid", str(uid)], check=False).returncode == 0:
        if time.monotonic() > deadline:
            raise TeamhubError(f"processes of uid {uid} would not end; stop them and try again.")
        time.sleep(0.1)


def remove_user(name: str, archive: Path) -> Path:
    """Archive the home, end the user's processes, then delete the account and its home."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        raise TeamhubError(f"there is no Linux account {name!r} to remove.") from None
    home = Path(entry.pw_dir)
    archived = archive_home(home, archive)
    end_processes(entry.pw_uid)
    run(["userdel", name], what=f"removing user {name}")
    if home.is_dir() and home.parent != Path("/"):
        shutil.rmtree(home)
    return archived
