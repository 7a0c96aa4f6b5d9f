"""Loopback HTTP fakes of the outside providers, for tests that talk real HTTP."""
