"""Step 01: the workspace answers, the learner is known, the data file is there and intact."""

from __future__ import annotations

from grader.checks.i18n import t
from grader.checks.learner import MISSING, Learner
from grader.checks.report import Report
from grader.lab.dataset import LAB_PATH, PENGUINS_SHA256, penguins_csv, sha256


def workspace(lab, learner: Learner) -> Report:
    report = Report(t("Step 01 · connect to the workspace"))
    w = learner.get(
        "w", report, expected=t("a workspace client"), hint="w = lab.workspace_client()"
    )
    me = learner.get("me", report, expected=t("the current user"), hint="me = w.current_user.me()")
    if w is not MISSING:
        report.add(
            t("the workspace client answers"),
            hasattr(w, "current_user") and hasattr(w, "clusters"),
            expected=t("an object with .current_user and .clusters"),
            found=type(w).__name__,
            hint=t("Use the client lab.workspace_client() returns."),
        )
    if me is not MISSING:
        user = lab.workspace.current_user.me()
        report.add(
            t("you are known to the workspace"),
            getattr(me, "user_name", None) == user.user_name,
            expected=f"user_name {user.user_name!r}",
            found=repr(getattr(me, "user_name", me)),
            hint=t("me must be what w.current_user.me() returns."),
        )
    return report


def data(lab, learner: Learner) -> Report:
    report = Report(t("Step 01 · the penguin data in the lab's file system"))
    w = lab.workspace
    present = w.dbfs.exists(LAB_PATH)
    report.add(
        t("{path} exists", path=LAB_PATH),
        present,
        expected=t("a file"),
        found=t("a file") if present else t("nothing"),
        hint=t("Upload it with w.dbfs.upload(path, io.BytesIO(penguins_csv()), overwrite=True)."),
    )
    if present:
        with w.dbfs.download(LAB_PATH) as f:
            content = f.read()
        report.add(
            t("the file is the lab's penguins.csv, byte for byte"),
            sha256(content) == PENGUINS_SHA256,
            expected=_shape(penguins_csv()),
            found=_shape(content) + _first_difference(content, penguins_csv()),
            hint=t("Upload penguins_csv() unchanged: no re-encoding, no edits."),
        )
    return report


def _shape(content: bytes) -> str:
    """``13,456 bytes, 344 rows``: what a learner can compare, unlike two hashes."""
    rows = max(0, len(content.splitlines()) - 1)  # the header is not a row
    return t("{size:,} bytes, {rows} rows", size=len(content), rows=rows)


def _first_difference(content: bytes, lab: bytes) -> str:
    """``; line 5 differs: …`` (nothing when the file only ends early or runs on)."""
    mine, theirs = content.split(b"\n"), lab.split(b"\n")
    for number, (a, b) in enumerate(zip(mine, theirs, strict=False), start=1):
        if a == b:
            continue
        if number == len(mine) and not a:  # the learner's file stops here
            return "; " + t("it ends after line {n}", n=number - 1)
        if a.rstrip(b"\r") == b:
            return "; " + t("line {n} ends in CR LF, the lab's file in LF", n=number)
        return "; " + t(
            "line {n} differs: {line}", n=number, line=a[:80].decode("utf-8", "replace")
        )
    return ""
