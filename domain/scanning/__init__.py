"""Staff scanning: scanner devices, the one scan (verify → scope → action, atomically, audited), and
offline batches uploaded later."""
