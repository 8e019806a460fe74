"""xivo-agid: a FastAGI server that sets the caller's name from directories (reverse lookup)."""
