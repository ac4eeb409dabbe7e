"""Running WOCS in this terminal: the shared local session, `chat` and `demo`."""
