"""The JSON API for the mobile app, served under /api/v1 by its own Flask app of blueprints."""

PREFIX = "/api/v1"
