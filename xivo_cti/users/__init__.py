"""CTI users: accounts, password hashes, profiles, and where they are loaded from."""
