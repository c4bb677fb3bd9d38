"""Backups of the database clusters with pgBackRest: run, list, verify, restore, and their schedules."""
