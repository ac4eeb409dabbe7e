"""Keeping WOCS watched: liveness and readiness, metrics, and log lines machines can read."""
