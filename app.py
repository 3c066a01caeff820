"""citizen-crm: wires the Chalice app, its middleware, blueprints and event handlers."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from chalice import Chalice, ConvertToMiddleware, Rate
from chalice.app import CloudWatchEvent, SQSEvent

from chalicelib.config import resource_name
from chalicelib.handlers import cors
from chalicelib.handlers.admin import admin_api
from chalicelib.handlers.applications import applications_api
from chalicelib.handlers.catalogue import catalogue_api
from chalicelib.handlers.channels import channels_api
from chalicelib.handlers.dev import dev_api
from chalicelib.handlers.grievances import grievances_api
from chalicelib.handlers.http import uniform_error_shape
from chalicelib.handlers.identity import identity_api
from chalicelib.handlers.officers import officers_api
from chalicelib.handlers.open311 import open311_api
from chalicelib.handlers.profile import profile_api
from chalicelib.handlers.reports import reports_api
from chalicelib.handlers.staff import staff_api
from chalicelib.handlers.system import system_api
from chalicelib.handlers.webhooks import webhooks_api
from chalicelib.observability import log_request, logger, metrics
from chalicelib.resource_names import Queue

app = Chalice(app_name="citizen-crm")
app.register_middleware(
    ConvertToMiddleware(logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST))
)
app.register_middleware(ConvertToMiddleware(metrics.log_metrics))
app.register_middleware(log_request, "http")
app.register_middleware(uniform_error_shape, "http")
app.register_middleware(cors.answer_portal_origins, "http")

app.register_blueprint(system_api)
app.register_blueprint(catalogue_api)
app.register_blueprint(identity_api)
app.register_blueprint(profile_api)
app.register_blueprint(officers_api)
app.register_blueprint(grievances_api)
app.register_blueprint(applications_api)
app.register_blueprint(staff_api)
app.register_blueprint(reports_api)
app.register_blueprint(webhooks_api)
app.register_blueprint(channels_api)
app.register_blueprint(open311_api)
app.register_blueprint(admin_api)
app.register_blueprint(dev_api)
cors.register_preflight_routes(app)  # after every blueprint: one OPTIONS route per path

# Every function of the app imports this module on a cold start, the API's too: each event
# handler imports its consumer when it runs, so a request never pays for the queues' code.


@app.on_sqs_message(queue=resource_name(Queue.EVENTS), batch_size=10)
def fan_out_events(event: SQSEvent) -> Any:
    from chalicelib.handlers import notifications

    return notifications.fan_out_events(event.to_dict(), event.context)


@app.on_sqs_message(queue=resource_name(Queue.MESSAGES), batch_size=10)
def deliver_notifications(event: SQSEvent) -> Any:
    from chalicelib.handlers import notifications

    return notifications.deliver_notifications(event.to_dict(), event.context)


# One department per invocation: a slow or hanging server never delays another's deliveries.
@app.on_sqs_message(queue=resource_name(Queue.WEBHOOKS), batch_size=1)
def deliver_webhooks(event: SQSEvent) -> Any:
    from chalicelib.handlers import notifications

    return notifications.deliver_webhooks(event.to_dict(), event.context)


@app.on_sqs_message(queue=resource_name(Queue.ROUTING), batch_size=10)
def route_grievances(event: SQSEvent) -> Any:
    from chalicelib.handlers import grievance_events

    return grievance_events.route_grievances(event.to_dict(), event.context)


@app.on_sqs_message(queue=resource_name(Queue.SLA_EVENTS), batch_size=10)
def handle_sla_events(event: SQSEvent) -> Any:
    from chalicelib.handlers import grievance_events

    return grievance_events.handle_sla_events(event.to_dict(), event.context)


@app.schedule(Rate(5, unit=Rate.MINUTES))
def sweep_awaiting_routing(event: CloudWatchEvent) -> Any:
    from chalicelib.handlers import grievance_events

    return grievance_events.sweep_awaiting_routing()


@app.schedule(Rate(1, unit=Rate.DAYS))
def daily_reports(event: CloudWatchEvent) -> Any:
    from chalicelib.handlers import report_events

    return report_events.daily()
