"""Reports for supervisors, department heads and the state cell; the public figures."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, Response

from chalicelib.domain.principal import Principal
from chalicelib.handlers.http import MANAGERS, parse_query, route

reports_api = Blueprint(__name__)


@route(reports_api, "/reports/departments", methods=["GET"], roles=MANAGERS)
def departments(caller: Principal) -> dict[str, Any]:
    from chalicelib.handlers.inputs.reports import PeriodQuery
    from chalicelib.services import reports

    query = parse_query(reports_api, PeriodQuery)
    return reports.departments_report(caller, query.department, reports.period(query.from_, query.to))


@route(reports_api, "/reports/districts", methods=["GET"], roles=MANAGERS)
def districts(caller: Principal) -> dict[str, Any]:
    from chalicelib.handlers.inputs.reports import AreaQuery
    from chalicelib.services import reports

    query = parse_query(reports_api, AreaQuery)
    when = reports.period(query.from_, query.to)
    return reports.districts_report(caller, query.department, query.district, when)


@route(reports_api, "/reports/officers", methods=["GET"], roles=MANAGERS)
def officers(caller: Principal) -> dict[str, Any]:
    from chalicelib.handlers.inputs.reports import AreaQuery
    from chalicelib.services import reports

    query = parse_query(reports_api, AreaQuery)
    when = reports.period(query.from_, query.to)
    return reports.officers_report(caller, query.department, query.district, when)


@route(reports_api, "/reports/alerts", methods=["GET"], roles=MANAGERS)
def alerts(caller: Principal) -> dict[str, Any]:
    from chalicelib.handlers.inputs.reports import PeriodQuery
    from chalicelib.services import detect_alerts

    query = parse_query(reports_api, PeriodQuery)
    return detect_alerts.alerts_report(caller, query.department, query.from_, query.to)


@route(reports_api, "/reports/export.csv", methods=["GET"], roles=MANAGERS)
def export(caller: Principal) -> Response:
    from chalicelib.handlers.inputs.reports import ExportQuery
    from chalicelib.services import reports

    query = parse_query(reports_api, ExportQuery)
    when = reports.period(query.from_, query.to)
    body = "".join(reports.export_csv(caller, query.report, query.department, query.district, when))
    filename = f"{query.report}-{when.first.isoformat()}-{when.last.isoformat()}.csv"
    return Response(
        status_code=200,
        body=body,
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{filename}"',
        },
    )


@route(reports_api, "/public/performance", methods=["GET"], public=True)
def public_performance() -> dict[str, Any]:
    from chalicelib.handlers.inputs.reports import PublicQuery
    from chalicelib.services import reports

    query = parse_query(reports_api, PublicQuery)
    return reports.public_performance(query.months, query.lang)
