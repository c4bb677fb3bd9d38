"""One module per command family; `qvctl.cli` mounts them."""
