"""SMS and email that tell a member of staff what needs them beyond one grievance: a surge
or a quiet district (the daily alerts), and the supervisor's daily at-risk digest.

Staff messages go at once (no quiet hours), in the officer's language where a text exists
(English otherwise), by SMS and by email; each carries a dedupe key so a schedule that runs
twice sends once.
"""

from __future__ import annotations

from typing import Any

from chalicelib.clock import utc_now
from chalicelib.domain.identity import Officer
from chalicelib.notify.messages import OutboundMessage
from chalicelib.notify.queue import enqueue_notifications

TEXTS: dict[str, dict[str, str]] = {
    "alert_surge": {
        "en": "citizen-crm alert: {recent} grievances of {category} in {district} in the last {window_days} days, "
        "about {ratio}x the usual rate (expected {expected}). See /reports/alerts.",
        "hi": "citizen-crm चेतावनी: {district} में पिछले {window_days} दिनों में {category} की {recent} शिकायतें, "
        "सामान्य दर का लगभग {ratio} गुना (अपेक्षित {expected})। /reports/alerts देखें।",
    },
    "alert_underserved": {
        "en": "citizen-crm alert: {district} filed {filed} grievances in {window_days} days where about {expected} "
        "were expected for its population ({per_100k} per lakh against {state_per_100k}). Possibly underserved.",
        "hi": "citizen-crm चेतावनी: {district} में {window_days} दिनों में {filed} शिकायतें दर्ज हुईं, जबकि जनसंख्या के "
        "अनुसार लगभग {expected} अपेक्षित थीं ({per_100k} प्रति लाख, राज्य {state_per_100k})। संभवतः कम सेवा।",
    },
    "at_risk_digest": {
        "en": "citizen-crm: {count} open grievances of your seat may breach their SLA. Most urgent: {top}. "
        "See /staff/grievances?at_risk=true.",
        "hi": "citizen-crm: आपकी सीट की {count} खुली शिकायतें SLA चूक सकती हैं। सबसे ज़रूरी: {top}। "
        "/staff/grievances?at_risk=true देखें।",
    },
}

TITLES = {
    "alert_surge": "Grievance surge in {district}",
    "alert_underserved": "Few grievances from {district}",
    "at_risk_digest": "Grievances at risk of breaching their SLA",
}


def tell_officer(officer: Officer, notice: str, *, dedupe: str, **values: Any) -> None:
    texts = TEXTS[notice]
    language = officer.language if officer.language in texts else "en"
    text = texts[language].format(**values)
    title = TITLES[notice].format(**values)
    key = f"{notice}#{dedupe}#{utc_now().date().isoformat()}#{officer.officer_id}"
    common: dict[str, Any] = {"text": text, "subject": officer.officer_id, "template": notice, "language": language}
    messages = [OutboundMessage(channel="sms", to=officer.mobile, dedupe_key=f"{key}#sms", **common)]
    if officer.email:
        messages.append(
            OutboundMessage(channel="email", to=officer.email, title=title, dedupe_key=f"{key}#email", **common)
        )
    enqueue_notifications(messages)
