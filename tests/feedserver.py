"""Moved to tests/helpers/feedserver.py; this alias keeps branches in flight working. Remove it once
nothing imports `tests.feedserver`."""

from tests.helpers.feedserver import *  # noqa: F403
