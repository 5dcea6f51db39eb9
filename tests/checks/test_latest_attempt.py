"""Steps 04 and 05 judge the learner's latest attempt, once per mistake, and say what it was.

Built from the mistakes a held-out class made: a right run then a wrong one, wrong
hyperparameters with a correctly logged model, metrics computed on ``train``, no logged
model, parameters in another order, fixed values. Real Spark, real MLflow on SQLite, real
models; the runs are made as a notebook makes them, so the step tag comes from MLflow's
own plugin point.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.checks import function, mlflow_run
from grader.checks.learner import Learner
from grader.config import Settings
from grader.lab import Lab, reference, steps
from grader.lab.dataset import penguins_csv
from grader.lab.home import LabHome

pytestmark = pytest.mark.slow

STEP_04, STEP_05 = "04_mlflow_run", "05_function"


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    from grader.lab.spark import start_session, stop_session

    home = LabHome(tmp_path_factory.mktemp("spark-home"))
    session = start_session(home, app_name="latest-attempt", cores=1, memory="1g")
    yield session
    stop_session()


@pytest.fixture(scope="module")
def split(spark, tmp_path_factory):
    csv = tmp_path_factory.mktemp("data") / "penguins.csv"
    csv.write_bytes(penguins_csv())
    train, test = reference.split(reference.prepare(spark, str(csv)), 42)
    return train.cache(), test.cache()


@pytest.fixture(scope="module")
def models(split):
    """The lab's model (5, 0.5) and the one with step 05's values (10, 0.2), fitted once."""
    train, _ = split
    return {(5, 0.5): reference.pipeline(5, 0.5).fit(train),
            (10, 0.2): reference.pipeline(10, 0.2).fit(train)}  # fmt: skip


@pytest.fixture
def lab(lab_home: Path) -> Lab:
    lab = Lab(Settings(home=str(lab_home), user="alice@example.com"), step=STEP_04)
    lab.experiment_id = lab.backend.configure_mlflow(lab.experiment_name)
    yield lab
    steps._current = None


def log_run(step, max_iter, reg_param, *, model=None, metrics_on=None, log_model=True) -> str:
    """A run as the learner's cell makes it in ``step``: params, metrics, maybe a model."""
    import mlflow
    import mlflow.spark
    from pyspark.ml.evaluation import MulticlassClassificationEvaluator

    steps.enter(step)
    with mlflow.start_run() as run:
        mlflow.log_param("maxIter", max_iter)
        mlflow.log_param("regParam", reg_param)
        if model is not None and metrics_on is not None:
            prediction = model.transform(metrics_on)
            for metric in reference.METRICS:
                evaluator = MulticlassClassificationEvaluator(
                    labelCol="Species", predictionCol="prediction", metricName=metric
                )
                mlflow.log_metric(metric, evaluator.evaluate(prediction))
        if model is not None and log_model:
            mlflow.spark.log_model(model, "classifier-1", pip_requirements=[])
    return run.info.run_id


def test_a_right_run_then_a_wrong_run_fails_and_says_both(lab):
    log_run(STEP_04, 5, 0.5)
    log_run(STEP_04, 5, 0.1)
    report = mlflow_run.params(lab, Learner({}))
    assert not report.passed
    [fact] = report.results
    assert fact.expected == "maxIter=5, regParam=0.5"
    assert fact.found.startswith("maxIter=5, regParam=0.1 (your latest run ")
    assert "an older run" in fact.found and "the latest run is the one judged" in fact.found


def test_a_wrong_run_then_a_right_run_passes(lab):
    log_run(STEP_04, 10, 0.2)
    log_run(STEP_04, 5, 0.5)
    assert mlflow_run.params(lab, Learner({})).passed


def test_wrong_hyperparameters_lose_exactly_the_parameter_points(lab, split, models):
    """The model check judges the latest run's model whatever its parameters."""
    _, test = split
    log_run(STEP_04, 10, 0.2, model=models[(10, 0.2)], metrics_on=test)
    params = mlflow_run.params(lab, Learner({"test": test}))
    model = mlflow_run.model(lab, Learner({"test": test}))
    assert not params.passed and "maxIter=10, regParam=0.2" in params.failures[0].found
    assert model.passed, str(model)


def test_metrics_on_train_show_the_labs_value_as_expected(lab, split, models):
    train, test = split
    log_run(STEP_04, 5, 0.5, model=models[(5, 0.5)], metrics_on=train)
    report = mlflow_run.model(lab, Learner({"test": test}))
    [wrong] = report.failures
    assert wrong.what == "the logged metrics are the logged model's on test"
    from pyspark.ml.evaluation import MulticlassClassificationEvaluator

    on_test = MulticlassClassificationEvaluator(
        labelCol="Species", predictionCol="prediction", metricName="accuracy"
    ).evaluate(models[(5, 0.5)].transform(test))
    assert f"accuracy={on_test:.4f}" in wrong.expected  # the lab's value is "expected"
    assert "logged" in wrong.found and "logged" not in wrong.expected


def test_an_older_model_never_makes_a_newer_run_without_one_pass(lab, split, models):
    """The issue's false pass: a correct run, then regParam 0.1, no model, metrics on train."""
    train, test = split
    log_run(STEP_04, 5, 0.5, model=models[(5, 0.5)], metrics_on=test)
    log_run(STEP_04, 5, 0.1, model=models[(5, 0.5)], metrics_on=train, log_model=False)
    params = mlflow_run.params(lab, Learner({"test": test}))
    model = mlflow_run.model(lab, Learner({"test": test}))
    assert not params.passed and not model.passed
    missing = next(r for r in model.results if r.what == "the model is logged with the run")
    assert not missing.passed and "your latest run" in missing.found


def test_step_04_judges_its_own_runs_not_step_05s(lab, split, models):
    """Re-running 04's check after step 05 still judges 04's latest run."""
    _, test = split
    log_run(STEP_04, 5, 0.5, model=models[(5, 0.5)], metrics_on=test)
    log_run(STEP_05, 10, 0.2, model=models[(10, 0.2)], metrics_on=test)
    assert mlflow_run.params(lab, Learner({})).passed
    assert function.lab_run(lab, Learner({"test": test})).passed


def _trainer(order: str = "lab", fixed: bool = False):
    """A learner's ``train_penguin_model``: the lab's, or with its parameters in another
    order, or ignoring them (fixed values)."""

    def train(training_data, test_data, max_iter, reg_param):
        import mlflow
        import mlflow.spark
        from pyspark.ml.evaluation import MulticlassClassificationEvaluator

        if fixed:
            max_iter, reg_param = 10, 0.2
        with mlflow.start_run():
            model = reference.pipeline(max_iter, reg_param).fit(training_data)
            mlflow.log_param("maxIter", max_iter)
            mlflow.log_param("regParam", reg_param)
            prediction = model.transform(test_data)
            for metric in reference.METRICS:
                evaluator = MulticlassClassificationEvaluator(
                    labelCol="Species", predictionCol="prediction", metricName=metric
                )
                mlflow.log_metric(metric, evaluator.evaluate(prediction))
            mlflow.spark.log_model(model, "classifier-1", pip_requirements=[])

    if order == "swapped":

        def train_penguin_model(training_data, test_data, regularization, maxIterations):
            train(training_data, test_data, maxIterations, regularization)

    else:

        def train_penguin_model(training_data, test_data, maxIterations, regularization):
            train(training_data, test_data, maxIterations, regularization)

    return train_penguin_model


def test_parameters_in_another_order_cost_the_signature_only(lab, split):
    """The held-out class's case: one mistake lost all 5 points of 05."""
    train, test = split
    steps.enter(STEP_05)
    fn = _trainer("swapped")
    namespace = {"train_penguin_model": fn, "train": train, "test": test}
    signature = function.signature(lab, Learner(namespace))
    assert not signature.passed
    assert "another order" in signature.failures[0].hint
    hidden = function.hidden_call(lab, Learner(namespace))
    assert hidden.passed, str(hidden)


def test_fixed_values_get_the_fixed_values_hint(lab, split):
    train, test = split
    steps.enter(STEP_05)
    namespace = {"train_penguin_model": _trainer(fixed=True), "train": train, "test": test}
    hidden = function.hidden_call(lab, Learner(namespace))
    [wrong] = hidden.failures
    assert wrong.found.startswith("maxIter=10, regParam=0.2 (your latest run ")
    assert wrong.hint == "Use the function's arguments, not fixed values."


def test_a_swapped_call_is_named_as_the_order(lab, split, models):
    """The learner's own call passed 0.2 as maxIterations and 10 as regularization."""
    _, test = split
    log_run(STEP_05, 0.2, 10, model=models[(10, 0.2)], metrics_on=test)
    report = function.lab_run(lab, Learner({"test": test}))
    params = report.results[0]
    assert not params.passed and "swapped" in params.hint


def test_see_your_run_without_a_model_says_so(lab, split, capsys):
    _, test = split
    lab.see_run(test)  # no run yet: a sentence, not a TypeError
    assert "no run in this step yet" in capsys.readouterr().out
    log_run(STEP_04, 5, 0.5, model=None)
    lab.see_run(test)
    out = capsys.readouterr().out
    assert "logged no model" in out and "Your run in the MLflow UI:" in out
