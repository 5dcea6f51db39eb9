"""Step 03: the prepared data has the lab's schema, 342 rows, and a 70/30 split."""

from __future__ import annotations

from grader.checks.i18n import t
from grader.checks.learner import MISSING, Learner
from grader.checks.report import Report

EXPECTED_TYPES = {
    "Island": "string",
    "CulmenLength": "float",
    "CulmenDepth": "float",
    "FlipperLength": "float",
    "BodyMass": "float",
    "Species": "int",
}
COMPLETE_ROWS = 342


def data(lab, learner: Learner) -> Report:
    report = Report(t("Step 03 · clean and type the data"))
    data = learner.get("data", report, expected=t("a DataFrame"), hint="data = spark.read...")
    if data is not MISSING:
        types = dict(data.dtypes)
        report.add(
            t("columns and types"),
            types == EXPECTED_TYPES,
            expected=str(EXPECTED_TYPES),
            found=str(types),
            hint=t("select(col('CulmenLength').astype('float'), ...) for each column."),
        )
        rows = data.count()
        report.add(
            t("incomplete rows dropped"),
            rows == COMPLETE_ROWS,
            expected=t("{n} rows", n=COMPLETE_ROWS),
            found=t("{n} rows", n=rows),
            hint=t("data.dropna() removes the 2 penguins without measurements."),
        )
    return report


def split(lab, learner: Learner) -> Report:
    report = Report(t("Step 03 · split 70/30"))
    data = learner.get("data", report, expected=t("a DataFrame"), hint="data = spark.read...")
    train = learner.get("train", report, expected=t("a DataFrame"), hint="train = splits[0]")
    test = learner.get("test", report, expected=t("a DataFrame"), hint="test = splits[1]")
    if MISSING not in (data, train, test):
        n_train, n_test, total = train.count(), test.count(), data.count()
        report.add(
            t("train and test add up to the data"),
            n_train + n_test == total,
            expected=t("{n} rows", n=total),
            found=f"{n_train} + {n_test} = {n_train + n_test}",
            hint="splits = data.randomSplit([0.7, 0.3]); train, test = splits[0], splits[1]",
        )
        ratio = n_train / total if total else 0.0
        report.add(
            t("about 70% of rows for training"),
            0.6 <= ratio <= 0.8,
            expected=t("0.6 ≤ train share ≤ 0.8"),
            found=f"{ratio:.2f}",
            hint=t("randomSplit([0.7, 0.3]): training first."),
        )
    return report
