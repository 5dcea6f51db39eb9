"""The instructor's and learner's one-off tools around a workspace, outside the notebooks.

``azure`` (``grader provision azure``: a Premium Azure Databricks workspace for the lab)
and ``cleanup`` (``grader cleanup [--everything]``: remove what the course made in a
workspace). Each also runs as ``python -m grader.admin.<module>``.
"""
