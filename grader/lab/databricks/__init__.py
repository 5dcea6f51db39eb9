"""The ``databricks`` backend: the course on a real workspace through databricks-sdk.

Modules: ``auth`` (sign-in checked before step 01), ``naming`` (per-learner names),
``catalog`` (Unity Catalog: is there a metastore, the learner's schema and volume),
``workspace`` (the learner's scoped ``WorkspaceClient``), ``volume`` (the lab's files in the
learner's volume), ``waiting`` (polling with progress and timeouts), ``remote`` (Spark on
the cluster from outside it), ``backend`` (the backend). papermill's ``databricks`` engine is
in :mod:`grader.run.databricks`, the clean-up in :mod:`grader.admin.cleanup`. Importing this
package starts and contacts nothing.
"""
