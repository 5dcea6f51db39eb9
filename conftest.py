"""pytest's plugins for every run, whatever paths it is given: ``pytest tests``, and
``pytest solutions/mlflow_lab`` too (nbval runs the solution notebooks; see pyproject.toml)."""

pytest_plugins = [
    "pytester",  # tests of the nbval plugin run pytest on tiny notebooks
    "tests.cost",  # each test's wall and CPU seconds, the costliest listed at the end
    "tests.notebooks.nbval_lab",  # the solution notebooks under nbval, each in its own lab
]
