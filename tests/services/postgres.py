"""Test service: postgres (to be written)."""
