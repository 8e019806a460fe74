"""Reverse directory lookup: find a contact's name from a phone number.

Sources (CSV, PostgreSQL, LDAP) answer with a Deferred ``Contact`` or None;
``ReverseLookupService`` asks them in parallel and applies priority, deadlines
and a cache; ``DirectoryService`` builds all of it from the configuration.
"""
