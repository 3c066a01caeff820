"""The one Logger and Metrics of the app (Powertools), registered once in `app.py`.

Tracer is left out on purpose: importing the X-Ray SDK costs ~95 ms of every cold start
(see bench/coldstart.py) for traces API Gateway and Lambda already sample at the edge.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics

logger = Logger()
metrics = Metrics()
