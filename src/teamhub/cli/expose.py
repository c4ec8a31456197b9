"""`teamhub expose tailscale | off`: HTTPS for the team on the tailnet, through `tailscale serve`."""

from __future__ import annotations

import click

from teamhub.apply import audit, hub, tailscale
from teamhub.apply.transaction import locked
from teamhub.cli.common import Options, pass_options, require_root
from teamhub.team.load import TeamFile


@click.group()
def expose() -> None:
    """Share the hub on your tailnet with HTTPS, or stop sharing it."""


def serve_target(tf: TeamFile) -> str:
    """Where `tailscale serve` sends the team: the hub's own address and port on this machine."""
    host = hub.url_for(tf).split("://", 1)[1].rstrip("/")
    # the hub's certificate names the public host, not this address: let Tailscale skip checking it
    return f"{'https+insecure' if tf.team.hub.tls.enabled else 'http'}://{host}"


@expose.command("tailscale")
@pass_options
def expose_tailscale(opts: Options) -> None:
    """Give the team https://<this machine's tailnet name>/ (needs `tailscale up` first)."""
    require_root("expose tailscale")
    tf = opts.team_file()
    tailscale.require_running()
    target = serve_target(tf)
    with locked(tf, "teamhub expose tailscale"):
        tailscale.serve(target)
        audit.record(tf.paths.audit_log, "expose tailscale", [f"+ tailscale serve https:443 -> {target}"])
    name = tailscale.dns_name()
    where = f"https://{name}/" if name else "https://<this machine's tailnet name>/"
    click.echo(f"The team can now open {where} from any device on your tailnet.")
    click.echo("Stop sharing with `teamhub expose off`.")
    if tf.team.hub.bind in ("0.0.0.0", "::"):
        click.echo(
            "Note: the hub also listens on every address of this machine; set "
            'bind = "localhost" under [hub] and run `teamhub apply` so that only the tailnet reaches it.'
        )


@expose.command("off")
@pass_options
def expose_off(opts: Options) -> None:
    """Stop sharing the hub on the tailnet (the hub itself keeps running)."""
    require_root("expose off")
    tf = opts.team_file()
    if not tailscale.installed():
        click.echo("Tailscale is not installed here: nothing is shared.")
        return
    with locked(tf, "teamhub expose off"):
        tailscale.serve_off()
        audit.record(tf.paths.audit_log, "expose off", ["- tailscale serve https:443"])
    click.echo("The hub is no longer shared on the tailnet.")
