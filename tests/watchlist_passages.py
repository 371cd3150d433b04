"""Moved to tests/helpers/watchlist_passages.py; this alias keeps branches in flight working. Remove it once
nothing imports `tests.watchlist_passages`."""

from tests.helpers.watchlist_passages import *  # noqa: F403
