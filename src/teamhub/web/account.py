"""Every member's own password: the old one checked through PAM, the new one set with chpasswd."""

from __future__ import annotations

import asyncio

import pamela
from tornado import web

from teamhub.apply import accounts, audit
from teamhub.apply.transaction import locked
from teamhub.errors import BadInput
from teamhub.web.base import ApiHandler

PAM_SERVICE = "login"  # the PAM service JupyterHub's PAMAuthenticator logs in with
ATTEMPTS: dict[str, asyncio.Lock] = {}


def old_password_ok(name: str, password: str) -> bool:
    """True when PAM accepts the password (slow on purpose when it does not: pam_faildelay)."""
    try:
        pamela.authenticate(name, password, service=PAM_SERVICE)
    except pamela.PAMError:
        return False
    return True


class ChangeMyPassword(ApiHandler):
    """POST api/me/password: current, new, repeat."""

    @web.authenticated
    async def post(self) -> None:
        self.require_member()
        args = self.arguments()
        current, new, repeat = (str(args.get(key, "")) for key in ("current", "new", "repeat"))
        if not current:
            return self.bad_input("Type your current password.", "current")
        if not new.strip():
            return self.bad_input("Type a new password.", "new")
        try:
            accounts.check_password(new)
        except BadInput as exc:
            return self.bad_input(str(exc)[0].upper() + str(exc)[1:], "new")
        if new != repeat:
            return self.bad_input("The two new passwords differ; type the same one twice.", "repeat")
        if new == current:
            return self.bad_input("The new password is the same as the current one; choose another.", "new")
        name = self.member
        # one attempt at a time per person, each slowed by PAM on failure: no guessing in parallel
        async with ATTEMPTS.setdefault(name, asyncio.Lock()):
            accepted = await self.site.quickly(old_password_ok, name, current)
        if not accepted:
            return self.bad_input("That is not your current password; type it again.", "current")
        tf = self.team_file()

        def change() -> None:
            with locked(tf, f"team page: {name} changing their password"):
                accounts.set_password(name, new)
                audit.record(
                    tf.paths.audit_log, f"user passwd {name}", [f"~ user {name}: password"], who=name
                )

        await self.site.quickly(change)
        self.site.notify()
        self.write_json({"message": "Your password is changed; use the new one from your next login."})


def routes(prefix: str) -> list[tuple[str, type]]:
    return [(prefix + "api/me/password", ChangeMyPassword)]
