"""Public HTML pages: campaign pages now, landing pages later."""
