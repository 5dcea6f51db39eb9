"""A fake Databricks workspace on loopback, faithful enough for the real ``WorkspaceClient``.

``FakeDatabricks`` serves the REST API the lab uses (current user, clusters, command
execution, DBFS, workspace objects, jobs runs, serving endpoints, MLflow) from
``127.0.0.1:<free port>``, keeps state, records every call, checks request shapes against
the API (required fields, enum values) and can inject failures (429, 5xx, refused tokens,
a cluster that errors, an endpoint whose update fails).
"""

from tests.databricks.fake.server import Call, FakeDatabricks

__all__ = ["Call", "FakeDatabricks"]
