"""The XiVO CTI client server: newline-delimited JSON over TCP or TLS."""
