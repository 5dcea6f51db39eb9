"""papermill's ``databricks`` engine: the course's Spark notebooks run on the learner's
cluster.

``engine`` (the engine papermill loads, importing little), ``notebook_runner`` (a notebook's
round trip: import, ``jobs.submit``, wait, export), ``export`` (an exported run back into
Jupyter outputs) and ``package`` (the ``grader`` wheel the cluster installs).
"""
