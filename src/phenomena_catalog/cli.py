"""Command-line entry point: parse arguments, run one command, turn user errors into exit code 1.

Each command lives in ``commands/<name>.py`` and exposes ``NAME``, ``HELP``, ``DESCRIPTION``,
``configure(parser)`` and ``run(args) -> int``. A ``UserError`` becomes its message on stderr and
exit code 1; any other exception is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from types import ModuleType

from phenomena_catalog import __version__
from phenomena_catalog.commands import COMMANDS
from phenomena_catalog.errors import UserError


def build_parser(commands: Sequence[ModuleType] = COMMANDS) -> argparse.ArgumentParser:
    """The top-level parser with one sub-parser per command."""
    parser = argparse.ArgumentParser(
        prog="phenomena-catalog",
        description="Keep a curated catalog of research papers as YAML records and publish it as a "
        "static website.",
        epilog="Run 'phenomena-catalog COMMAND --help' for a command's options and examples.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in commands:
        command_parser = sub.add_parser(
            command.NAME,
            help=command.HELP,
            description=command.DESCRIPTION,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        command.configure(command_parser)
        command_parser.set_defaults(run=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        code: int = args.run(args)
        return code
    except UserError as err:
        print(err.report(), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
