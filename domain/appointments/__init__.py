"""Appointments at service halls and hospitals, on the capacity engine: see service.py."""
