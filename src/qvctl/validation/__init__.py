"""The pieces of `qvctl validate` (qvctl.validate holds the check table and runs it)."""
