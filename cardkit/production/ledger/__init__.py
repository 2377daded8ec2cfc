"""The issuance ledger: every card issue of a person either issued, rejected with a reason, or pending.

SQLite (a file path: one station, the embedded default) or PostgreSQL (a ``postgresql://`` URL: many
stations); one schema, one state machine, the rules enforced by the database in both (``_schema``).
"""

from __future__ import annotations

from ._backends import is_url, redact_url
from ._schema import FINAL_STATES, SCHEMA_VERSION, STATES, TRANSITIONS
from .report import CampaignReport, ReportGroup, campaign_report
from .store import DEFAULT_LEASE, IssueRequest, IssueRow, Ledger, default_ledger_path, request_key

__all__ = ["Ledger", "IssueRow", "IssueRequest", "request_key", "default_ledger_path", "DEFAULT_LEASE", "STATES",
           "TRANSITIONS", "FINAL_STATES", "SCHEMA_VERSION", "CampaignReport", "ReportGroup", "campaign_report",
           "is_url", "redact_url"]
