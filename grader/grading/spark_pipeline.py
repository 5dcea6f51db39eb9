"""The predictions of a saved Spark pipeline model, computed without Spark.

Step 06's endpoint is gone when the grader's audit runs (it dies with the learner's
kernel), and the audit starts no JVM: a Spark session costs more than the whole audit. So
what the endpoint must have answered is computed here from the registered model's own
files: a ``PipelineModel`` folder as ``mlflow.spark.log_model`` writes it (JSON metadata
per stage, the fitted values in Parquet), evaluated with numpy for the stages the lab's
pipeline uses (``StringIndexerModel``, ``VectorAssembler``, ``MinMaxScalerModel`` and a
multinomial ``LogisticRegressionModel``). Any other stage, or files that are not such a
model, raise :class:`UnsupportedModel`: the audit then confirms nothing (fails closed).

Formulas as Spark's own (``org.apache.spark.ml.feature.MinMaxScalerModel.transform``:
``(x - min) / (max - min) * (hi - lo) + lo``, ``0.5 * (hi + lo)`` where ``max == min``;
``LogisticRegressionModel``: multinomial prediction is the argmax of ``Wx + b``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

#: The largest Parquet or metadata file read (the lab's model is about 11 KB in all).
MAX_FILE = 1 << 20
#: The most stages a pipeline may have here (the lab's has five).
MAX_STAGES = 20

Row = dict[str, Any]


class UnsupportedModel(ValueError):
    """Files that are not a Spark pipeline this module can evaluate; says why."""


def _metadata(folder: Path) -> dict[str, Any]:
    parts = sorted((folder / "metadata").glob("part-*"))
    if len(parts) != 1 or parts[0].is_symlink() or parts[0].stat().st_size > MAX_FILE:
        raise UnsupportedModel(f"no single metadata file in {folder.name}")
    found = json.loads(parts[0].read_text(encoding="utf-8").splitlines()[0])
    if not isinstance(found, dict):
        raise UnsupportedModel(f"the metadata of {folder.name} is not an object")
    return found


def _data(folder: Path) -> Row:
    import pyarrow.parquet as pq

    parts = sorted((folder / "data").glob("part-*.parquet"))
    if len(parts) != 1 or parts[0].is_symlink() or parts[0].stat().st_size > MAX_FILE:
        raise UnsupportedModel(f"no single data file in {folder.name}")
    rows = pq.read_table(parts[0]).to_pylist()
    if len(rows) != 1:
        raise UnsupportedModel(f"the data of {folder.name} is not one row")
    return rows[0]


def _vector(found: dict[str, Any]) -> np.ndarray:
    """A Spark ML vector as Parquet holds it: type 1 dense, type 0 sparse."""
    values = np.asarray(found["values"], dtype=float)
    if found["type"] == 1:
        return values
    dense = np.zeros(int(found["size"]))
    dense[np.asarray(found["indices"], dtype=int)] = values
    return dense


def _matrix(found: dict[str, Any]) -> np.ndarray:
    """A Spark ML matrix: column-major unless transposed; sparse ones in CSC (CSR if
    transposed)."""
    rows, cols = int(found["numRows"]), int(found["numCols"])
    values = np.asarray(found["values"], dtype=float)
    if found["type"] == 1:
        if found["isTransposed"]:
            return values.reshape(rows, cols)
        return values.reshape(cols, rows).T
    outer, inner = (rows, cols) if found["isTransposed"] else (cols, rows)
    dense = np.zeros((outer, inner))
    pointers, indices = found["colPtrs"], found["rowIndices"]
    for i in range(outer):
        for k in range(pointers[i], pointers[i + 1]):
            dense[i, indices[k]] = values[k]
    return dense if found["isTransposed"] else dense.T


def _params(meta: dict[str, Any]) -> dict[str, Any]:
    return {**(meta.get("defaultParamMap") or {}), **(meta.get("paramMap") or {})}


def _string_indexer(meta: dict[str, Any], folder: Path) -> Callable[[Row], None]:
    params, data = _params(meta), _data(folder)
    labels = (data.get("labelsArray") or [data.get("labels")])[0]
    if not isinstance(labels, list) or "inputCol" not in params:
        raise UnsupportedModel("a StringIndexer with several columns")
    index = {str(label): float(i) for i, label in enumerate(labels)}

    def transform(row: Row) -> None:
        value = str(row[params["inputCol"]])
        if value not in index and params.get("handleInvalid") != "keep":
            raise UnsupportedModel(f"the model does not know {value[:40]!r}")
        row[params["outputCol"]] = index.get(value, float(len(labels)))

    return transform


def _assembler(meta: dict[str, Any], folder: Path) -> Callable[[Row], None]:
    params = _params(meta)

    def transform(row: Row) -> None:
        parts = [np.atleast_1d(np.asarray(row[c], dtype=float)) for c in params["inputCols"]]
        row[params["outputCol"]] = np.concatenate(parts)

    return transform


def _min_max(meta: dict[str, Any], folder: Path) -> Callable[[Row], None]:
    params, data = _params(meta), _data(folder)
    low, high = _vector(data["originalMin"]), _vector(data["originalMax"])
    lo, hi = float(params.get("min", 0.0)), float(params.get("max", 1.0))
    span = high - low

    def transform(row: Row) -> None:
        x = np.asarray(row[params["inputCol"]], dtype=float)
        scaled = np.where(span != 0, (x - low) / np.where(span != 0, span, 1.0), 0.5)
        row[params["outputCol"]] = np.where(span != 0, scaled * (hi - lo) + lo, 0.5 * (hi + lo))

    return transform


def _logistic(meta: dict[str, Any], folder: Path) -> Callable[[Row], None]:
    params, data = _params(meta), _data(folder)
    if not data.get("isMultinomial"):
        raise UnsupportedModel("a binomial LogisticRegressionModel")
    weights, intercept = _matrix(data["coefficientMatrix"]), _vector(data["interceptVector"])

    def transform(row: Row) -> None:
        raw = weights @ np.asarray(row[params["featuresCol"]], dtype=float) + intercept
        row[params.get("predictionCol", "prediction")] = float(np.argmax(raw))

    return transform


#: Spark class → how its saved stage becomes a function on one row.
STAGES = {
    "org.apache.spark.ml.feature.StringIndexerModel": _string_indexer,
    "org.apache.spark.ml.feature.VectorAssembler": _assembler,
    "org.apache.spark.ml.feature.MinMaxScalerModel": _min_max,
    "org.apache.spark.ml.classification.LogisticRegressionModel": _logistic,
}


def load(model_folder: Path) -> Callable[[list[Row]], list[float]]:
    """The model in ``model_folder`` (an MLflow Spark model: ``MLmodel`` and ``sparkml/``) as
    a function from records to predictions; :class:`UnsupportedModel` when it is not one."""
    root = Path(model_folder) / "sparkml"
    try:
        meta = _metadata(root)
        if meta.get("class") != "org.apache.spark.ml.PipelineModel":
            raise UnsupportedModel(f"not a PipelineModel: {str(meta.get('class'))[:80]}")
        uids = meta["paramMap"]["stageUids"]
        folders = sorted((root / "stages").iterdir(), key=lambda p: int(p.name.split("_")[0]))
        if len(uids) > MAX_STAGES or [f.name.split("_", 1)[1] for f in folders] != uids:
            raise UnsupportedModel("its stages are not the ones its metadata lists")
        stages = []
        for folder in folders:
            stage = _metadata(folder)
            make = STAGES.get(str(stage.get("class")))
            if make is None:
                raise UnsupportedModel(f"a stage this audit cannot run: {folder.name[:80]}")
            stages.append(make(stage, folder))
    except (OSError, KeyError, TypeError, ValueError, IndexError) as exc:
        if isinstance(exc, UnsupportedModel):
            raise
        raise UnsupportedModel(f"not a readable Spark model ({type(exc).__name__})") from None

    def predict(records: list[Row]) -> list[float]:
        answers = []
        for record in records:
            row = dict(record)
            for stage in stages:
                stage(row)
            answers.append(row["prediction"])
        return answers

    return predict
