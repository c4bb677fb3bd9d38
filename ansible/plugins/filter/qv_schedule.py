"""Filter plugin: a cron expression of the spec as a systemd calendar event, by qvctl's own conversion.

    OnCalendar={{ qv_spec.backup.schedule.full | cron_to_oncalendar }}

The spec check (`qvctl env check`) already refused any expression the conversion cannot carry
exactly, so a timer fires on cron's instants or the run stops here with the reason.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError


def cron_to_oncalendar(expression):
    try:
        from qvctl.backup.calendar import CalendarError, oncalendar
    except ImportError as err:
        raise AnsibleFilterError(
            f"cron_to_oncalendar needs qvctl: run ansible-playbook from the project's .venv ({err})") from None
    try:
        return oncalendar(str(expression))
    except CalendarError as err:
        raise AnsibleFilterError(f"cron_to_oncalendar: {expression!r}: {err}") from None


class FilterModule:
    def filters(self):
        return {"cron_to_oncalendar": cron_to_oncalendar}
