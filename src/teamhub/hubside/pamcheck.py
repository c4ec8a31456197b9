"""One PAM password check that hands PAM's failure delay back to the caller instead of sleeping.

pam_faildelay makes libpam sleep ~3 s inside pam_authenticate after a wrong password. A program
may set PAM_FAIL_DELAY to its own function, which libpam then calls instead of sleeping: here it
records the delay, so the hub can wait it out on its event loop (an asyncio sleep) rather than in
a thread, and a thread, or a turn in the queue of suspect logins, is held only while PAM hashes.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass

import pamela

PAM_FAIL_DELAY = 10  # the item type of the delay function (security/_pam_types.h)
DELAY_FUNCTION = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_uint, ctypes.c_void_p)
# pam_set_item with a pointer argument (pamela's own binding takes only strings)
_SET_ITEM = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p)(
    ("pam_set_item", pamela.LIBPAM)
)


@dataclass(frozen=True)
class Verdict:
    """PAM's answer: accepted or not, why not, and the failure delay PAM asked for (seconds)."""

    ok: bool
    error: str = ""
    delay_s: float = 0.0


def check(name: str, password: str, service: str = "login", encoding: str = "utf8") -> Verdict:
    """Authenticate and check the account as pamela.authenticate does, without PAM's sleep."""
    asked: list[int] = []
    on_delay = DELAY_FUNCTION(lambda status, usec, appdata: asked.append(usec))
    conversation = pamela.new_simple_password_conv((password,), encoding)
    try:
        handle = pamela.pam_start(service, name, conv_func=conversation, encoding=encoding)
    except pamela.PAMError as exc:
        return Verdict(False, str(exc))
    retval = _SET_ITEM(handle.handle, PAM_FAIL_DELAY, ctypes.cast(on_delay, ctypes.c_void_p))
    if retval == pamela.PAM_SUCCESS:
        retval = pamela.PAM_AUTHENTICATE(handle, 0)
    if retval == pamela.PAM_SUCCESS:
        retval = pamela.PAM_ACCT_MGMT(handle, 0)
    if retval == pamela.PAM_SUCCESS:
        pamela.PAM_SETCRED(handle, pamela.PAM_REINITIALIZE_CRED)  # as pamela does; its result ignored
    error = "" if retval == pamela.PAM_SUCCESS else pamela.pam_strerror(handle, retval)
    pamela.PAM_END(handle, retval)
    delay = max(asked, default=0) / 1_000_000 if retval != pamela.PAM_SUCCESS else 0.0
    return Verdict(retval == pamela.PAM_SUCCESS, str(error), delay)
