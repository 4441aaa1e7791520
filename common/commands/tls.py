"""`shop tls DIR`: the local CA and server certificate the load balancer serves HTTPS with."""

from __future__ import annotations

from pathlib import Path

import click

from common.tls import make_certificates


@click.command("tls", short_help="Make a local CA and certificate for HTTPS (stage04 on).")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--host", "hosts", multiple=True, help="another name or address to certify")
@click.option(
    "--if-missing", is_flag=True, help="keep certificates that exist and stay valid a month"
)
def tls(directory: Path, hosts: tuple[str, ...], if_missing: bool) -> None:
    """Write ca.pem, server.pem and server.key into DIRECTORY for local HTTPS.

    \b
    Stage04's compose file runs this as a one-shot job (`certs`) before nginx starts:
      shop tls /certs --if-missing
    Trust DIRECTORY/ca.pem in a browser or client to get no warning, e.g.
      curl --cacert .run/stage04_cluster/volumes/certs/ca.pem https://127.0.0.1:8000/
    """
    made = make_certificates(directory, hosts, if_missing=if_missing)
    verb = "wrote" if made.created else "kept (still valid)"
    click.echo(f"{verb}: {made.ca}, {made.cert}, {made.key}")
