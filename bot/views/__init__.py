"""Frozen view-models that services hand to block builders (pure: no SQLAlchemy, no Slack SDK)."""
