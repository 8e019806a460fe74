"""FastAGI handlers: one module per script name."""
