"""The request models of the routes: what pydantic checks a body or a query string against.

They live apart from the route modules, one module per area, on purpose. A cold start of any
function imports every route module (Chalice learns the routes from their decorators), and
pydantic with these models would cost it ~80 ms (bench/coldstart.py); so a view imports its
area's models when it parses, and a request that validates nothing (a public catalogue read)
never loads pydantic. `defer_build`: a model's validator is built when it first validates,
so a cold request builds only the models it uses. (tests/unit/test_cold_start_imports.py:
importing the app loads neither pydantic nor these modules.)
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictBody(BaseModel):
    """A request body: unknown fields are errors (no sneaking in `role` or `status`)."""

    model_config = ConfigDict(extra="forbid", str_max_length=1000, defer_build=True)


class Query(BaseModel):
    """A query string: parameters a route does not read are ignored."""

    model_config = ConfigDict(extra="ignore", defer_build=True)
