"""The notebooks' pictures: the right numbers and titles, as PNGs."""

from __future__ import annotations

import io

import pandas as pd

from grader.lab import plots
from grader.lab.dataset import penguins_csv

PNG = b"\x89PNG\r\n\x1a\n"


def penguins() -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(penguins_csv())).dropna()


def test_confusion_counts_put_truth_in_rows_and_predictions_in_columns():
    frame = pd.DataFrame({"Species": [0, 0, 1, 2, 2], "prediction": [0.0, 2.0, 1.0, 2.0, 0.0]})
    assert plots.confusion_counts(frame) == [[1, 0, 1], [0, 1, 0], [1, 0, 1]]


def test_every_picture_is_a_png_and_says_what_it_shows():
    data = penguins()
    predicted = data.assign(prediction=data["Species"].astype(float))
    sample = data.head(4)
    figures = {
        "Penguins by island and species": plots.species_by_island(data),
        "FlipperLength against CulmenLength, by species": plots.measurements(data),
        f"Confusion matrix: {len(data)} of {len(data)} right": plots.confusion_matrix(predicted),
        "The endpoint's answers: 3 of 4 right": plots.endpoint_answers(
            sample, [*sample["Species"][:3].astype(float), (sample["Species"].iloc[3] + 1) % 3]
        ),
    }
    for title, figure in figures.items():
        shown = [t.get_text() for ax in figure.axes for t in (ax.title, ax._left_title)]
        assert title in shown, shown
        assert plots.png(figure).startswith(PNG)
