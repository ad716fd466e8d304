"""The transactional outbox and background jobs: see service.py for how delivery is guaranteed."""
