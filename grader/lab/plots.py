"""Pictures a learner would rather look at than read: the data, a confusion matrix, the
endpoint's answers next to the truth.

Each function returns a matplotlib :class:`~matplotlib.figure.Figure` made without pyplot,
so nothing depends on a GUI backend (papermill and nbgrader run headless) and no figure is
left open; :func:`show` displays one as a PNG. The same figure can go to an MLflow run with
``mlflow.log_figure``. Labels stay in English: the data's own names (species, islands,
columns) are English, and a Korean label would need a font the learner may not have.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from grader.lab.dataset import SPECIES

#: One colour per species (label 0, 1, 2), the same in every picture.
COLOURS = ("#e07b39", "#3a7ca5", "#8f5aa8")
WIDTH, HEIGHT = 6.4, 3.6


def _figure(width: float = WIDTH, height: float = HEIGHT):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _pandas(frame: Any):
    """A Spark DataFrame as pandas (the data is small); a pandas one as it is."""
    return frame.toPandas() if hasattr(frame, "toPandas") else frame


def species_by_island(data: Any):
    """Bars: how many penguins of each species were seen on each island."""
    counts = _pandas(data).groupby(["Island", "Species"]).size().unstack(fill_value=0)
    figure = _figure()
    ax = figure.add_subplot()
    bottom = [0] * len(counts.index)
    for label, name in enumerate(SPECIES):
        values = list(counts[label]) if label in counts.columns else [0] * len(counts.index)
        ax.bar(counts.index, values, bottom=bottom, color=COLOURS[label], label=name)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.margins(y=0.08)
    ax.set_title("Penguins by island and species")
    ax.set_ylabel("penguins")
    ax.legend(title="Species")
    return figure


def measurements(data: Any, x: str = "CulmenLength", y: str = "FlipperLength"):
    """Dots: two measurements of every penguin, coloured by species."""
    frame = _pandas(data)
    figure = _figure()
    ax = figure.add_subplot()
    for label, name in enumerate(SPECIES):
        rows = frame[frame["Species"] == label]
        ax.scatter(rows[x], rows[y], s=14, alpha=0.8, color=COLOURS[label], label=name)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title(f"{y} against {x}, by species")
    ax.legend(title="Species")
    return figure


def confusion_counts(prediction: Any) -> list[list[int]]:
    """counts[true][predicted] from a DataFrame with ``Species`` and ``prediction``."""
    frame = _pandas(prediction)
    counts = [[0] * len(SPECIES) for _ in SPECIES]
    for true, predicted in zip(frame["Species"], frame["prediction"], strict=True):
        counts[int(true)][int(predicted)] += 1
    return counts


def confusion_matrix(prediction: Any):
    """A heat map of true against predicted species: the diagonal is what the model got right."""
    counts = confusion_counts(prediction)
    figure = _figure(4.6, 3.8)
    ax = figure.add_subplot()
    image = ax.imshow(counts, cmap="Blues")
    ticks = range(len(SPECIES))
    ax.set_xticks(ticks, SPECIES)
    ax.set_yticks(ticks, SPECIES)
    ax.set_xlabel("predicted species")
    ax.set_ylabel("true species")
    top = max(max(row) for row in counts) or 1
    for true in ticks:
        for predicted in ticks:
            n = counts[true][predicted]
            ax.text(predicted, true, n, ha="center", va="center",
                    color="white" if n > top / 2 else "black")  # fmt: skip
    total = sum(map(sum, counts))
    right = sum(counts[i][i] for i in ticks)
    ax.set_title(f"Confusion matrix: {right} of {total} right")
    figure.colorbar(image, ax=ax, shrink=0.8)
    return figure


def endpoint_answers(penguins: Any, predictions: Sequence[float]):
    """A row per penguin: its measurements, the true species and the endpoint's answer."""
    frame = _pandas(penguins).reset_index(drop=True)
    figure = _figure(7.2, 0.5 + 0.42 * len(frame))
    ax = figure.add_subplot()
    ax.set_axis_off()
    ax.set_xlim(0, 10)
    ax.set_ylim(len(frame) - 0.5, -1.2)
    heads = [(0.0, "penguin"), (5.6, "true species"), (7.9, "endpoint says")]
    for x, text in heads:
        ax.text(x, -0.9, text, weight="bold", va="center")
    for i, row in frame.iterrows():
        true, said = int(row["Species"]), int(predictions[i])
        ax.text(0.0, i, f"{row['Island']}: culmen {row['CulmenLength']:g}×{row['CulmenDepth']:g} mm, "
                f"flipper {row['FlipperLength']:g} mm", va="center", fontsize=9)  # fmt: skip
        for x, label in ((5.6, true), (7.9, said)):
            ax.text(x, i, SPECIES[label], va="center", color="white", weight="bold",
                    bbox={"facecolor": COLOURS[label], "edgecolor": "none", "pad": 3})  # fmt: skip
        ax.text(9.7, i, "✓" if true == said else "✗", va="center",
                color="green" if true == said else "red", weight="bold")  # fmt: skip
    right = sum(
        int(r["Species"]) == int(p) for (_, r), p in zip(frame.iterrows(), predictions, strict=True)
    )
    ax.set_title(f"The endpoint's answers: {right} of {len(frame)} right", loc="left")
    return figure


def png(figure) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def show(figure) -> None:
    """Show the figure in the notebook (a PNG: no plotting backend needed)."""
    from IPython.display import Image, display

    display(Image(png(figure)))
