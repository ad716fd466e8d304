"""The waitlist (候补) per slot, filled in order when places come back (strand A3)."""
