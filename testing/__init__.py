"""What tests and benchmarks share: real services (PostgreSQL, slapd, Asterisk), daemons
run as processes, calls placed through Asterisk, and the one way to wait for something."""
