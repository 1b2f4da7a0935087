"""``phenomena-catalog serve``: build, serve the site locally, rebuild when a record or template changes."""

from __future__ import annotations

import argparse

NAME = "serve"
HELP = "build the site, serve it on 127.0.0.1 and rebuild on every change"
DESCRIPTION = "placeholder"


def configure(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    raise NotImplementedError
