"""The course run headlessly: every notebook in order, on the local backend or a workspace.

``course`` (the pipeline, :func:`~grader.run.course.run_course`, one for both backends),
``warm_start`` (each local notebook in a kernel warmed while the one before runs),
``notebook_run`` (one papermill run as the course makes it), ``startup`` (what the short-lived
processes skip), ``summary`` (what a local run made, read back), and ``databricks``
(papermill's ``databricks`` engine and the round trip of a notebook through a workspace).
No notebook imports this package; it imports the lab. Importing it starts nothing.
"""
