"""One capacity engine for everything that can be sold out: see service.py."""
