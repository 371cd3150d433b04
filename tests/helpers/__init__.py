"""Shared test helpers: fixtures data, loopback servers, UI driving (one place)."""
