"""Moved to tests/helpers/app_fixtures.py; this alias keeps branches in flight working. Remove it once
nothing imports `tests.app_fixtures`."""

from tests.helpers.app_fixtures import *  # noqa: F403
