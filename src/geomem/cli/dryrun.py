"""`--dry-run` for experiment commands: print the resolved config and stop."""

from __future__ import annotations

import json
from typing import Any

import typer

DRY_RUN = typer.Option(False, "--dry-run", help="Print the resolved config and exit.")


def exit_if_dry_run(dry_run: bool, config: Any, **extra: Any) -> None:
    """When ``dry_run``, print ``config`` (JSON, with its run id, and the ``extra`` fields of
    the request) and exit 0 writing nothing. Callers validate everything the run would refuse
    (files, device, sizes) before calling this, so a dry run fails where the run would."""
    from geomem.runs.config import config_hash, to_dict

    if dry_run:
        typer.echo(
            json.dumps(
                {
                    "config_class": type(config).__name__,
                    "config_hash": config_hash(config),
                    "config": to_dict(config),
                    **extra,
                },
                indent=1,
            )
        )
        raise typer.Exit(0)
