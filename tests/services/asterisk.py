"""Test service: asterisk (to be written)."""
