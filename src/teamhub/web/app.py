"""Build and run the team page's tornado application, as the hub's managed `team` service."""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import logging
import os
import secrets
import signal
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from jupyterhub.services.auth import HubOAuthCallbackHandler
from tornado import web

from teamhub.apply.hubfiles import ensure_secret
from teamhub.errors import BadInput
from teamhub.paths import config_path
from teamhub.web import account, doctor, envs, live, pages, projects, users
from teamhub.web.state import Site

HERE = Path(__file__).parent
PR_SET_PDEATHSIG = 1
log = logging.getLogger("teamhub.web")


def cookie_secret(site: Site) -> bytes:
    """A secret kept under <state>/secrets, so logins survive the service's restarts."""
    try:
        path = site.team_file().paths.secrets / "team_page_cookie_secret"
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        ensure_secret(path)
        return path.read_text().strip().encode()
    except (BadInput, OSError) as exc:
        # The hub exits when its managed service does not start: serve anyway, with logins that
        # last until the next restart, and let the page show what is wrong with the team file.
        log.error("no kept cookie secret for the team page (%s); using a temporary one", exc)
        return secrets.token_hex(32).encode()


def make_app(site: Site, prefix: str, secret: bytes) -> web.Application:
    """The application: the page, its sections, the JSON actions, the OAuth callback, static files."""
    jinja = Environment(
        loader=FileSystemLoader(str(HERE / "templates")),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    handlers = [
        (prefix.rstrip("/"), web.RedirectHandler, {"url": prefix}),
        (prefix + "oauth_callback", HubOAuthCallbackHandler),
        *pages.routes(prefix),
        *live.routes(prefix),
        *users.routes(prefix),
        *account.routes(prefix),
        *envs.routes(prefix),
        *projects.routes(prefix),
        *doctor.routes(prefix),
    ]
    return web.Application(
        handlers,  # type: ignore[arg-type]
        site=site,
        jinja=jinja,
        prefix=prefix,
        cookie_secret=secret,
        xsrf_cookies=True,
        static_path=str(HERE / "static"),
        static_url_prefix=prefix + "static/",
        log_function=log_request,
    )


def log_request(handler: web.RequestHandler) -> None:
    """Errors and changes in the hub's log; the page's long polls only when something fails."""
    status = handler.get_status()
    if status < 400 and handler.request.method == "GET":
        return
    level = logging.WARNING if status >= 400 else logging.INFO
    log.log(
        level, "%d %s %s (%s)", status, handler.request.method, handler.request.uri, handler._current_user
    )


def die_with_the_hub() -> None:
    """Stop when the hub that started us dies, even by SIGKILL: an orphan would keep the port taken."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: the hub's own cleanup stops us
        return
    if os.getppid() == 1:  # the hub died before we asked
        os.kill(os.getpid(), signal.SIGTERM)


async def serve(config: Path) -> None:
    """Listen where the hub expects the service, until told to stop."""
    site = Site(config)
    url = urlsplit(os.environ.get("JUPYTERHUB_SERVICE_URL", "http://127.0.0.1:10101"))
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/services/team/")
    app = make_app(site, prefix, cookie_secret(site))
    app.listen(url.port or 80, address=url.hostname or "127.0.0.1", xheaders=True)
    log.info("team page for %s at %s (%s)", config, prefix, url.geturl())
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    die_with_the_hub()
    await stop.wait()


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m teamhub.web`."""
    parser = argparse.ArgumentParser(prog="python -m teamhub.web", description=__doc__)
    parser.add_argument("--config", help="the team file (default: $TEAMHUB_CONFIG or /etc/teamhub/team.toml)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="[%(levelname).1s %(asctime)s %(name)s] %(message)s")
    asyncio.run(serve(config_path(args.config)))
    return 0
