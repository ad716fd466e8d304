"""Claims proven by e-certificates (disability, soldier, fire rescue, student) (strand A5)."""
