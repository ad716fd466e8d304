"""Staff accounts: who works the counters, the catalogue and the scanners, and what they may do."""
