"""Bring an environment up and down through its layers: supervisord, the emulator, Terraform, Ansible.

One module per concern; `commands/platform.py` strings them together into `qvctl up/down/status/logs`.
"""
