"""The daily run of the reports: surge and underserved alerts, and the at-risk digests."""

from __future__ import annotations

from typing import Any

from chalicelib.services import at_risk_cases, detect_alerts


def daily() -> dict[str, Any]:
    alerts = detect_alerts.detect()
    digests = at_risk_cases.send_digests()
    return {"alerts": len(alerts), "digests": digests}
