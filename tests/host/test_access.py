"""Private access: the hub on the tailnet address only, `tailscale serve` for HTTPS (against a stand-in
`tailscale`, which cannot be installed here), and HTTPS with the admin's or a self-signed certificate;
every refused setting leaves the running hub untouched."""

from __future__ import annotations

import socket
import ssl
import subprocess
import urllib.request
from pathlib import Path

from tests.support.logins import login
from tests.support.roots import Roots, passwords
from tests.support.standin import ADDRESS, DNS_NAME, Tailscale


def answers(url: str) -> bool:
    context = ssl._create_unverified_context() if url.startswith("https") else None
    try:
        with urllib.request.urlopen(url + "hub/health", timeout=5, context=context) as response:
            return response.status == 200
    except OSError:
        return False


def hub_pid(roots: Roots) -> int:
    return int((roots.base / "state" / "jupyterhub.pid").read_text())


def assert_refused_untouched(roots: Roots, args: list[str], expected: str, env: dict | None = None) -> None:
    """Exit 2, one sentence naming the problem, and the running hub as it was."""
    config = (roots.base / "state" / "jupyterhub_config.py").read_text()
    pid = hub_pid(roots)
    proc = roots.teamhub(*args, check=False, env=env)
    message = proc.stderr.strip()
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert expected in message and message.endswith(".") and "\n" not in message, message
    assert hub_pid(roots) == pid
    assert (roots.base / "state" / "jupyterhub_config.py").read_text() == config


def test_tailscale_bind_listens_on_the_tailnet_address_only_and_expose_runs_tailscale_serve(
    installed: Roots,
):
    tailscale = Tailscale(installed.base / "standin")
    lead = installed.name("lead")
    installed.write_team(f"[users.{lead}]\nadmin = true\n")
    text = installed.config.read_text()
    installed.config.write_text(text.replace('bind = "127.0.0.1"', 'bind = "tailscale"'))

    up = installed.teamhub("up", env=tailscale.env)
    tailnet_url = f"http://{ADDRESS}:{installed.port}/"
    assert f"teamhub is up: {tailnet_url}" in up.stdout
    assert ["ip", "-4"] in tailscale.calls()
    assert answers(tailnet_url)
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", installed.port)) != 0  # not on other addresses
    assert login(tailnet_url, lead, passwords(up.stdout)[lead]).ok

    exposed = installed.teamhub("expose", "tailscale", env=tailscale.env)
    assert ["serve", "--bg", "--https=443", f"http://{ADDRESS}:{installed.port}"] in tailscale.calls()
    assert f"https://{DNS_NAME}/" in exposed.stdout
    installed.teamhub("expose", "off", env=tailscale.env)
    assert tailscale.calls()[-1] == ["serve", "--https=443", "off"]

    tailscale.stop()
    assert_refused_untouched(installed, ["apply"], "needs Tailscale running", env=tailscale.env)
    expose = ["expose", "tailscale"]
    assert_refused_untouched(installed, expose, "run `tailscale up` first", env=tailscale.env)
    no_tailscale = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
    assert_refused_untouched(installed, expose, "Tailscale is not installed", env=no_tailscale)
    assert answers(tailnet_url)


def make_pair(folder: Path, name: str) -> tuple[Path, Path]:
    """A certificate and key as an admin would have them."""
    cert, key = folder / f"{name}.pem", folder / f"{name}.key"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30"),
            *("-subj", f"/CN={name}", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def served_certificate(port: int) -> str:
    return ssl.get_server_certificate(("127.0.0.1", port))


def test_https_self_signed_then_the_admins_certificate_and_bad_files_are_refused(installed: Roots):
    lead = installed.name("lead")
    installed.write_team(f"[users.{lead}]\nadmin = true\n\n[hub.tls]\nself_signed = true\n")
    up = installed.teamhub("up")
    url = f"https://127.0.0.1:{installed.port}/"
    assert f"teamhub is up: {url}" in up.stdout
    tls = installed.base / "state" / "tls"
    assert (tls / "key.pem").stat().st_mode & 0o777 == 0o600
    assert served_certificate(installed.port) == ssl.DER_cert_to_PEM_cert(
        ssl.PEM_cert_to_DER_cert((tls / "cert.pem").read_text())
    )
    password = passwords(up.stdout)[lead]
    assert login(url, lead, password).ok
    assert "answers" in installed.teamhub("status").stdout

    folder = installed.base / "certs"
    folder.mkdir()
    cert, key = make_pair(folder, "hub.example.org")
    other_cert, other_key = make_pair(folder, "other.example.org")
    (folder / "notes.txt").write_text("not a certificate\n")
    base = installed.config.read_text()
    for tls_table, expected in (
        (f'cert = "{folder}/missing.pem"\nkey = "{key}"\n', "does not exist"),
        (f'cert = "{folder}/notes.txt"\nkey = "{key}"\n', "is not a PEM certificate"),
        (f'cert = "{cert}"\nkey = "{folder}/notes.txt"\n', "is not a PEM private key"),
        (f'cert = "{cert}"\nkey = "{other_key}"\n', "does not belong to the certificate"),
    ):
        installed.config.write_text(base.replace("self_signed = true\n", tls_table))
        assert_refused_untouched(installed, ["apply"], expected)
    assert answers(url)

    installed.config.write_text(base.replace("self_signed = true\n", f'cert = "{cert}"\nkey = "{key}"\n'))
    installed.teamhub("apply")
    assert (
        "hub.example.org"
        in subprocess.run(
            ["openssl", "x509", "-noout", "-subject"],
            input=served_certificate(installed.port),
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    assert login(url, lead, password).ok
    assert other_cert.exists()
