"""Monitoring rendered from the environment spec: scrape targets, alert routing, spec-derived rules."""
