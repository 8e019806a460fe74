"""Test service: slapd (to be written)."""
