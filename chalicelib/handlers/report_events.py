"""The daily run of the reports: past days' counter shards folded, surge and underserved
alerts, and the at-risk digests."""

from __future__ import annotations

from typing import Any

from chalicelib.services import at_risk_cases, detect_alerts, reports


def daily() -> dict[str, Any]:
    folded = reports.fold_past_days()
    alerts = detect_alerts.detect()
    digests = at_risk_cases.send_digests()
    return {"folded": folded, "alerts": len(alerts), "digests": digests}
