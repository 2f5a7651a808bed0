"""Ruhu's settings (database, persistent connection and all) without middleware, for the
bare read's floor (`bench.bare_app`)."""

from ruhu.settings import *  # noqa: F403

MIDDLEWARE: list[str] = []
ROOT_URLCONF = "bench.bare_app"
