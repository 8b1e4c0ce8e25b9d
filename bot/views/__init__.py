"""View-models: frozen dataclasses the services return and the block builders render, each feature's action and
block ids and its field limits. Pure: no SQLAlchemy, no Slack SDK, no services."""
