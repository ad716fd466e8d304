"""E-certificates (电子证照): issued on approval, signed for offline verification, revocable."""
