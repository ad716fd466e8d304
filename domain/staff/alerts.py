"""Alerts to the staff of a scope holding a role (``StaffAlert``) (strand A4)."""
