"""`qvctl abort | promote | rollback` while another `qvctl deploy` drives the rollout.

The driver holds the environment lock, so the other command leaves its request in
`<state>/releases/request.json`; the driver looks at it several times a second, acts, and removes
it. (With no live driver, those commands take the lock and act themselves.)
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from typing import Literal

from qvctl.atomic_file import replace_text
from qvctl.release.state import Store, now, who

Action = Literal["abort", "promote", "rollback"]


@dataclass(frozen=True)
class Request:
    action: Action
    by: str
    at: str


class Requests:
    def __init__(self, store: Store) -> None:
        self.file = store.dir / "request.json"

    def put(self, action: Action) -> Request:
        request = Request(action, who(), now())
        replace_text(self.file, json.dumps(request.__dict__))
        return request

    def take(self) -> Request | None:
        """The pending request, removed; None when there is none. A file that holds no request is
        removed too: the driver reads it mid-rollout and must neither stop on it nor read it forever."""
        try:
            text = self.file.read_bytes()
        except FileNotFoundError:
            return None
        self.clear()
        try:
            data = json.loads(text)
        except ValueError:
            return None
        if not isinstance(data, dict) or data.get("action") not in ("abort", "promote", "rollback"):
            return None
        return Request(data["action"], str(data.get("by", "?")), str(data.get("at", "")))

    def pending(self) -> bool:
        return self.file.exists()

    def clear(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.file.unlink()
