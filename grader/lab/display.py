"""``display(df)`` as Databricks notebooks have it, for Jupyter: a Spark or pandas
DataFrame becomes an HTML table of its first rows. (What the lab says about the learner's
run, in the learner's language, is the checks': :mod:`grader.checks.show`.)"""

from __future__ import annotations

from typing import Any

MAX_ROWS = 20


def display(obj: Any, *, max_rows: int = MAX_ROWS) -> None:
    """Show a DataFrame (Spark or pandas) as a table, anything else as Jupyter would."""
    from IPython.display import display as ipython_display

    if hasattr(obj, "limit") and hasattr(obj, "toPandas"):  # a Spark DataFrame
        frame = obj.limit(max_rows).toPandas()
        ipython_display(frame)
        return
    if hasattr(obj, "head") and hasattr(obj, "to_html"):  # a pandas DataFrame
        ipython_display(obj.head(max_rows))
        return
    ipython_display(obj)
