"""The outcome of one check, shared by Passive Authentication, inspection and audit reports.

Every check is PASSED, FAILED, NOT_SUPPORTED or SKIPPED, with a reason a person can read; WARNING
is a check that passed with a departure worth seeing (a legacy content type, a SHA-1 document, a
certificate skipped in a master list). WARNING never fails anything: only FAILED does. Reports are
data; the CLI renders them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Status", "Check"]


class Status(str, enum.Enum):
    """What became of one check."""

    PASSED = "PASSED"
    FAILED = "FAILED"
    NOT_SUPPORTED = "NOT_SUPPORTED"  # the document or chip does not offer it
    SKIPPED = "SKIPPED"  # not run, because an earlier step failed or it was not asked for
    WARNING = "WARNING"  # passed, with a departure a person should see; never a failure

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True, init=False)
class Check:
    """One named check with its status, a reason, and optional structured details (JSON-safe)."""

    name: str
    status: Status
    reason: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def __init__(self, name: str, status: Status, reason: str = "", details: dict[str, Any] | None = None) -> None:
        # Its slots are set directly: a frozen dataclass's own __init__ goes through object.__setattr__
        # for each field, twice the cost, and a bulk audit makes some thirty checks per document.
        s_name, s_status, s_reason, s_details = _SET
        s_name(self, name)
        s_status(self, status)
        s_reason(self, reason)
        s_details(self, details if details is not None else {})

    @property
    def passed(self) -> bool:
        return self.status is Status.PASSED

    @property
    def failed(self) -> bool:
        return self.status is Status.FAILED

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name, "status": self.status.value, "reason": self.reason}
        if self.details:
            d["details"] = self.details
        return d


_SET = tuple(getattr(Check, name).__set__ for name in ("name", "status", "reason", "details"))
