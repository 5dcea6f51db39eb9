"""Step 03 on real Spark: the split is judged by the weights given to ``randomSplit`` (read
from Spark's plan), not by row counts; a wrong column is named with its type."""

from __future__ import annotations

import pytest

from grader.checks import data_prep
from grader.checks.learner import Learner
from grader.lab import reference
from grader.lab.dataset import penguins_csv
from grader.lab.home import LabHome

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    from grader.lab.spark import start_session, stop_session

    home = LabHome(tmp_path_factory.mktemp("spark-home"))
    spark = start_session(home, app_name="split", cores=1, memory="1g")
    csv = tmp_path_factory.mktemp("data") / "penguins.csv"
    csv.write_bytes(penguins_csv())
    yield reference.prepare(spark, str(csv)).cache()
    stop_session()


def judge(data, train, test):
    report = data_prep.split(None, Learner({"data": data, "train": train, "test": test}))
    [fact] = report.results
    return fact


def test_an_80_20_split_fails_for_every_seed(data):
    """With the old 0.6–0.8 share window, 22 of 40 seeds passed."""
    for seed in range(40):
        train, test = data.randomSplit([0.8, 0.2], seed=seed)
        fact = judge(data, train, test)
        assert not fact.passed, seed
        assert fact.found.startswith("weights [0.80, 0.20], train first (train ")


@pytest.mark.parametrize("weights", [[0.7, 0.3], [7.0, 3.0], [0.35, 0.15], [70.0, 30.0]], ids=str)
@pytest.mark.parametrize("seed", [None, 1, 42])
def test_the_labs_weights_pass_in_any_form_with_any_seed(data, weights, seed):
    train, test = data.randomSplit(weights, seed=seed)
    assert judge(data, train, test).passed


def test_row_counts_are_reported_not_judged(data):
    train, test = data.randomSplit([0.5, 0.5], seed=3)
    fact = judge(data, train, test)
    assert not fact.passed
    assert f"train {train.count()} rows, test {test.count()} rows" in fact.found


def test_train_and_test_swapped_is_named(data):
    test, train = data.randomSplit([0.7, 0.3], seed=1)
    fact = judge(data, train, test)
    assert not fact.passed and fact.found.startswith("train and test swapped")


def test_two_split_calls_are_named(data):
    train = data.randomSplit([0.7, 0.3])[0]
    test = data.randomSplit([0.7, 0.3])[1]  # another seed: the parts overlap
    fact = judge(data, train, test)
    assert not fact.passed and "two different randomSplit calls" in fact.found


def test_a_frame_that_is_no_split_is_named(data):
    fact = judge(data, data.limit(240), data.limit(102))
    assert not fact.passed and "train / test not a part of data.randomSplit" in fact.found


def test_a_wrong_column_type_names_that_column_only(data):
    from pyspark.sql.functions import col

    wrong = data.withColumn("CulmenLength", col("CulmenLength").astype("double"))
    report = data_prep.data(None, Learner({"data": wrong}))
    fact = report.results[0]
    assert not fact.passed
    assert fact.expected == "CulmenLength: float"
    assert fact.found == "CulmenLength: double"
