"""Integration tests of desk.inventory (a package so that its conftest has a unique name)."""
