"""Signed QR credentials (电子凭证): one compact token format for everything staff scan.

A token is signed with Ed25519 (``kid`` inside the signed bytes) and names only an opaque subject
reference; whoever holds the published keys checks it offline. What a scan *does* with it belongs to
``domain.scanning`` and to the module that owns the kind (health cards, appointments, certificates).
"""
