"""Payments: one order for anything payable, its refunds, the ledger and reconciliation."""
