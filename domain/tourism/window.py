"""The manual ticket window: staff sell from the same inventory, walk-in share first (strand A4)."""
