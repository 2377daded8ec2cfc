"""The campaign report: cards issued per local day, station, operator and capture device.

It counts cards, not events: each issued card once, on the day it was issued (a card withdrawn later
still counts where it was made). Days and hours are the campaign's local time (the profile's
``issuance.timezone``: Asia/Ho_Chi_Minh for vn-cccd), never UTC midnight. Per group: cards, first and
last card, cards per hour between them ((cards - 1) / (last - first)), and progress against a daily
target per capture device (the campaign's unit: 350 enrolments per device and day), per group and per
device and day over all stations. Beside the groups: rejections by reason, reissues
by reason, withdrawn cards by state, and cards logged for destruction.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from .store import Ledger

__all__ = ["CampaignReport", "ReportGroup", "campaign_report"]


@dataclass(frozen=True, slots=True)
class ReportGroup:
    """Cards of one local day, station, operator and capture device."""

    day: str
    station: str
    operator: str
    capture_device: str
    cards: int
    first: str
    last: str
    cards_per_hour: float | None
    target: int | None

    @property
    def progress(self) -> float | None:
        """Cards as a fraction of the daily target, or None without a target."""
        return self.cards / self.target if self.target else None

    def to_dict(self) -> dict[str, Any]:
        return {"day": self.day, "station": self.station, "operator": self.operator,
                "capture_device": self.capture_device, "cards": self.cards, "first": self.first, "last": self.last,
                "cards_per_hour": None if self.cards_per_hour is None else round(self.cards_per_hour, 1),
                "target": self.target, "progress": None if self.progress is None else round(self.progress, 4)}


@dataclass(frozen=True, slots=True)
class CampaignReport:
    """The whole report (module header); ``to_dict`` for JSON, ``to_csv`` for the groups as CSV."""

    timezone: str
    groups: tuple[ReportGroup, ...]
    cards: int
    states: dict[str, int]
    rejections: dict[str, int]
    reissues: dict[str, int]
    withdrawn: dict[str, int]
    spoiled: int
    batch: str | None = None
    device_days: dict[str, dict[str, int]] = field(default_factory=dict)  # day -> device -> cards

    def to_dict(self) -> dict[str, Any]:
        return {"timezone": self.timezone, "batch": self.batch, "cards": self.cards, "states": self.states,
                "groups": [g.to_dict() for g in self.groups], "rejections_by_reason": self.rejections,
                "reissues_by_reason": self.reissues, "withdrawn": self.withdrawn,
                "cards_to_destroy": self.spoiled, "cards_per_device_day": self.device_days}

    def to_csv(self) -> str:
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(["day", "station", "operator", "capture_device", "cards", "first", "last", "cards_per_hour",
                    "target", "progress"])
        for g in self.groups:
            d = g.to_dict()
            w.writerow(["" if d[k] is None else d[k] for k in ("day", "station", "operator", "capture_device",
                                                              "cards", "first", "last", "cards_per_hour", "target",
                                                              "progress")])
        return out.getvalue()


def campaign_report(ledger: Ledger, *, timezone: str = "UTC", target_per_device: int | None = None,
                    batch: str | None = None) -> CampaignReport:
    """Build the campaign report over every issued card (or one batch's)."""
    tz = ZoneInfo(timezone)
    where = " AND batch = ?" if batch is not None else ""
    args: tuple[Any, ...] = (batch,) if batch is not None else ()
    rows = ledger.backend.query("SELECT issued_at, station, operator, capture_device, issue_reason FROM issues "
                                "WHERE state IN ('issued', 'superseded', 'revoked')" + where, args)
    groups: dict[tuple[str, str, str, str], list[datetime]] = {}
    reissues: Counter[str] = Counter()
    for issued_at, station, operator, device, reason in rows:
        local = datetime.fromisoformat(str(issued_at)).astimezone(tz)
        key = (local.date().isoformat(), station or "", operator or "", device or "")
        groups.setdefault(key, []).append(local)
        if reason != "first":
            reissues[str(reason)] += 1
    out = []
    device_days: dict[str, dict[str, int]] = {}
    for (day, station, operator, device), times in sorted(groups.items()):
        times.sort()
        span = (times[-1] - times[0]).total_seconds()
        rate = (len(times) - 1) * 3600.0 / span if len(times) > 1 and span > 0 else None
        out.append(ReportGroup(day, station, operator, device, len(times), times[0].isoformat(timespec="seconds"),
                               times[-1].isoformat(timespec="seconds"), rate, target_per_device))
        device_days.setdefault(day, {})
        device_days[day][device] = device_days[day].get(device, 0) + len(times)
    rejections = Counter({str(code or "rejected"): int(n) for code, n in ledger.backend.query(
        "SELECT reason_code, COUNT(*) FROM issues WHERE state = 'rejected'" + where + " GROUP BY reason_code", args)})
    withdrawn = {str(s): int(n) for s, n in ledger.backend.query(
        "SELECT state, COUNT(*) FROM issues WHERE state IN ('superseded', 'revoked')" + where + " GROUP BY state",
        args)}
    return CampaignReport(timezone=timezone, groups=tuple(out), cards=len(rows), states=ledger.counts(batch),
                          rejections=dict(sorted(rejections.items())), reissues=dict(sorted(reissues.items())),
                          withdrawn=withdrawn, spoiled=len(ledger.spoiled(batch)), batch=batch,
                          device_days=device_days)
