"""Tourism complaints linked to an order, on the statutory clocks (strand A5)."""
