"""Notifications: the in-app inbox and WeChat subscribe messages, fed by outbox events."""
