"""Where material files live: a port, a local-disk client and an in-memory fake."""
