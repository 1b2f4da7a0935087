"""Command-line entry point: parse arguments, run one command, turn user errors into exit code 1.

Each command lives in ``commands/<name>.py`` and exposes ``NAME``, ``DESCRIPTION``,
``configure(parser)`` and ``run(args) -> int``; ``commands.REGISTRY`` names them with their help,
and only the module of the command being run is imported. A ``UserError`` becomes its message on stderr and
exit code 1; any other exception is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from phenomena_catalog import __version__
from phenomena_catalog.commands import REGISTRY, Command
from phenomena_catalog.errors import UserError


def build_parser(commands: Sequence[Command] = REGISTRY, only: str | None = None) -> argparse.ArgumentParser:
    """The top-level parser with one sub-parser per command.

    With ``only``, just that command's module is imported and its options configured; the others
    are listed by name and help (enough for ``--help``), which keeps start-up fast.
    """
    parser = argparse.ArgumentParser(
        prog="phenomena-catalog",
        description="Keep a curated catalog of research papers as YAML records and publish it as a "
        "static website.",
        epilog="Run 'phenomena-catalog COMMAND --help' for a command's options and examples.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in commands:
        if only is not None and command.name != only:
            sub.add_parser(command.name, help=command.help)
            continue
        module = command.load()
        command_parser = sub.add_parser(
            command.name,
            help=command.help,
            description=module.DESCRIPTION,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.configure(command_parser)
        command_parser.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    # The command is the first word that is not an option (top-level options take no value).
    chosen = next((word for word in argv if not word.startswith("-")), "")
    try:
        args = build_parser(only=chosen).parse_args(argv)  # (imports the command's modules: Ctrl-C is 130 here too)
        if any(command.name == args.command and command.collector_paused for command in REGISTRY):
            from phenomena_catalog.executors import collector_paused

            # The collector would scan the modules a build imports over and over as they are made
            # (0.08 s of an edit at 10,000 papers), then the build cache as it is saved.
            with collector_paused():
                code: int = args.run(args)
        else:
            code = args.run(args)
        return code
    except UserError as err:
        print(err.report(), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def console() -> None:
    """The ``phenomena-catalog`` command: ``main``, then the process ends at once.

    A build holds a few hundred thousand objects (papers, pages, the index) when it is done;
    freeing them one by one as the interpreter shuts down took 0.3 s of CPU time at 10,000 papers,
    after every file and the build cache were written and closed. Nothing is left to do then
    but flush what was printed, so the process exits without that clean-up.

    numpy's OpenBLAS starts a thread per core when numpy is imported, unless told otherwise: the
    build does no linear algebra and runs a process per core (``executors``), so that thread only
    took 0.02-0.05 s of CPU time from the core a worker was loading records on. (A user's own
    setting stays.)
    """
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # (a closed pipe: nothing more can be said)
        pass
    os._exit(code)


if __name__ == "__main__":
    console()
