"""Child process of the endpoint benchmark: deploy the lab's model, time it, query it.

Runs in a fresh lab home (``MLFLOW_LAB_HOME``) with ``MLFLOW_LAB_TUNING`` on or off, and
writes one JSON object: seconds from ``create`` to the first answer, the latency of each of
``--queries`` single-record requests of the lab's sample (through the learner's own
``w.serving_endpoints.query``), and whether the endpoint's predictions on the whole test
set equal the Spark model's.
"""

from __future__ import annotations

import argparse
import json
import sys
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--out", required=True, help="Where the JSON result goes.")
    args = parser.parse_args(argv)

    import mlflow.spark

    from grader.lab import reference
    from grader.lab.lab import Lab

    lab = Lab.setup("06_register_deploy")  # restores the data, a cluster and a model run
    w = lab.workspace
    version = reference.register_latest(lab.experiment_id)
    sample = reference.SAMPLE_REQUEST["dataframe_records"]

    started = time.monotonic()
    w.serving_endpoints.create_and_wait(
        reference.ENDPOINT_NAME, config=reference.endpoint_config(version.version)
    )
    first = w.serving_endpoints.query(reference.ENDPOINT_NAME, dataframe_records=sample)
    startup = time.monotonic() - started

    latencies = []
    for _ in range(args.queries):
        t = time.perf_counter()
        w.serving_endpoints.query(reference.ENDPOINT_NAME, dataframe_records=sample)
        latencies.append(time.perf_counter() - t)

    _train, test = lab.train_test()
    features = test.drop(reference.LABEL)
    model = mlflow.spark.load_model(f"models:/{reference.MODEL_NAME}/{version.version}")
    expected = [row.prediction for row in model.transform(features).select("prediction").collect()]
    records = [row.asDict() for row in features.collect()]
    served = w.serving_endpoints.query(reference.ENDPOINT_NAME, dataframe_records=records)
    w.serving_endpoints.delete(reference.ENDPOINT_NAME)

    result = {
        "startup_seconds": startup,
        "first_prediction": first.predictions,
        "latencies": latencies,
        "test_rows": len(records),
        "identical_predictions": [float(p) for p in served.predictions] == expected,
    }
    with open(args.out, "w") as f:
        json.dump(result, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
