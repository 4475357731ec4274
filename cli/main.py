"""The ``docket`` entry point: the command group with every command registered."""

from __future__ import annotations

# Importing the command modules registers their commands on the group.
from cli import cases, domains, log, models, monitoring, policy, start
from cli.app import cli

__all__ = ["cases", "cli", "domains", "log", "main", "models", "monitoring", "policy", "start"]


def main() -> None:
    cli(prog_name="docket")


if __name__ == "__main__":
    main()
