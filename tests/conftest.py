"""Fixtures shared by the whole suite live in tests/fixtures/ and are loaded here."""

pytest_plugins = [
    "tests.fixtures.database",
    "tests.fixtures.providers",
    "tests.fixtures.service",
    "tests.gateway_support",
]
