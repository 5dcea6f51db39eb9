"""The ``databricks`` backend: the course on a real workspace through databricks-sdk.

Modules: ``auth`` (sign-in checked before step 01), ``naming`` (per-learner names),
``workspace`` (the learner's scoped ``WorkspaceClient``), ``waiting`` (polling with progress
and timeouts), ``remote`` (Spark on the cluster from outside it), ``backend`` (the backend),
``engine`` and ``export`` (papermill's ``databricks`` engine: notebooks run on the cluster).
Importing this package starts and contacts nothing.
"""
