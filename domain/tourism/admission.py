"""Gate admission: the ticket credential (kind ``ticket``) and admission by ID number (strand A2)."""
