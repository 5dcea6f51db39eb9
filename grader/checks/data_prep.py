"""Step 03: the prepared data has the lab's schema, 342 rows, and the lab's 70/30 split.

The split is judged by what the learner asked Spark for, not by how many rows a random
split happened to give: ``randomSplit`` puts each part's share of the weights into the
query plan (a ``Sample`` node per part, with its lower and upper bound), so the check reads
the weights back from ``train`` and ``test``. ``[0.7, 0.3]`` in any equivalent form
(``[7.0, 3.0]``, ``[0.35, 0.15]``) with any seed passes; ``[0.8, 0.2]`` fails with every
seed. The row counts are reported, not judged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

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
#: The lab's weights, training first.
TRAIN_SHARE = 0.7
#: Equivalent weights normalise to the same bounds up to a double's rounding.
SHARE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Part:
    """One part of a ``randomSplit``: its share of the rows, as ``[lower, upper)``."""

    lower: float
    upper: float
    seed: str

    @property
    def share(self) -> float:
        return self.upper - self.lower


def split_part(df) -> Part | None:
    """The part of a ``randomSplit`` that ``df`` is (the outermost ``Sample`` of its plan),
    or None when it is not one."""
    try:
        plan = df._jdf.queryExecution().logical()
    except Exception:  # not a classic Spark DataFrame
        return None
    todo = [plan]
    while todo:
        node = todo.pop(0)
        if node.getClass().getSimpleName() == "Sample" and not node.withReplacement():
            return Part(float(node.lowerBound()), float(node.upperBound()), str(node.seed()))
        children = node.children()
        todo += [children.apply(i) for i in range(children.size())]
    return None


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, abs_tol=SHARE_TOLERANCE)


def _weights(train: Part, test: Part) -> str:
    """What the learner's split asked for, as the weights of train and test."""
    return f"[{train.share:.2f}, {test.share:.2f}]"


def column_differences(types: dict[str, str]) -> list[str]:
    """Each column that is not the lab's: wrong type, missing or extra."""
    found = [
        f"{name}: {types[name]}"
        for name, wanted in EXPECTED_TYPES.items()
        if name in types and types[name] != wanted
    ]
    found += [t("{name}: missing", name=n) for n in EXPECTED_TYPES if n not in types]
    found += [
        t("{name}: not a column of the lab", name=n) for n in types if n not in EXPECTED_TYPES
    ]
    return found


def data(lab, learner: Learner) -> Report:
    report = Report(t("Step 03 · clean and type the data"))
    data = learner.get("data", report, expected=t("a DataFrame"), hint="data = spark.read...")
    if data is not MISSING:
        types = dict(data.dtypes)
        wrong = column_differences(types)
        named = [w.split(":")[0] for w in wrong]
        report.add(
            t("columns and types"),
            not wrong,
            expected=", ".join(f"{n}: {EXPECTED_TYPES[n]}" for n in named if n in EXPECTED_TYPES)
            or ", ".join(f"{n}: {v}" for n, v in EXPECTED_TYPES.items()),
            found=", ".join(wrong) or ", ".join(f"{n}: {v}" for n, v in types.items()),
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
    if MISSING in (data, train, test):
        return report
    train_part, test_part = split_part(train), split_part(test)
    counts = t(
        "train {n_train} rows, test {n_test} rows", n_train=train.count(), n_test=test.count()
    )
    expected = t("randomSplit([0.7, 0.3]): train the 0.7 part, test the 0.3 part")
    hint = t("splits = data.randomSplit([0.7, 0.3]); train, test = splits[0], splits[1]")
    if train_part is None or test_part is None:
        which = [n for n, p in (("train", train_part), ("test", test_part)) if p is None]
        found = t("{names} not a part of data.randomSplit(...)", names=" / ".join(which))
        ok = False
    elif train_part.seed != test_part.seed:
        found = t("train and test come from two different randomSplit calls")
        hint = t("Split once and take both parts of the same split: training first.")
        ok = False
    else:
        ok = (
            _close(train_part.lower, 0.0)
            and _close(train_part.upper, TRAIN_SHARE)
            and _close(test_part.lower, TRAIN_SHARE)
            and _close(test_part.upper, 1.0)
        )
        found = t("weights {weights}, train first", weights=_weights(train_part, test_part))
        if _close(train_part.lower, TRAIN_SHARE) and _close(test_part.upper, TRAIN_SHARE):
            found = t("train and test swapped: train is the 0.3 part")
            hint = t("randomSplit([0.7, 0.3]): training first.")
    report.add(
        t("a 70/30 split, training first"),
        ok,
        expected=expected,
        found=f"{found} ({counts})",
        hint=hint,
    )
    return report
