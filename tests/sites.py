"""Moved to tests/helpers/sites.py; this alias keeps branches in flight working. Remove it once
nothing imports `tests.sites`."""

from tests.helpers.sites import *  # noqa: F403
