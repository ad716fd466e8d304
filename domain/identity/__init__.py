"""Real-name verification (实名认证) through the unified identity platform, and identity levels.

Other modules guard their rules with :func:`domain.identity.service.require_level`.
"""
