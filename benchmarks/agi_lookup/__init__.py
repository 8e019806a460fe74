"""FastAGI reverse lookup benchmark: xivo-agid vs a panoramisk peer on a 1M-row table."""
