"""Fault drills: known load, injected faults, then every message checked."""
