"""PynamoDB tables and their repositories: the only package that knows DynamoDB.

Every table here is also declared in `infra/resources.json`, which is what creates it
(locally on moto and in AWS); `tests/integration/test_resource_definitions.py` proves
the two agree on keys and indexes.
"""
