"""Step 01: the workspace answers, the learner is known, the data file is there and intact."""

from __future__ import annotations

from grader.checks.i18n import t
from grader.checks.learner import MISSING, Learner
from grader.checks.report import Report
from grader.lab.dataset import LAB_PATH, PENGUINS_SHA256, sha256


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
        digest = sha256(content)
        report.add(
            t("the file is the lab's penguins.csv, byte for byte"),
            digest == PENGUINS_SHA256,
            expected=f"sha256 {PENGUINS_SHA256[:16]}…",
            found=t("sha256 {digest}… ({size} bytes)", digest=digest[:16], size=len(content)),
            hint=t("Upload penguins_csv() unchanged: no re-encoding, no edits."),
        )
    return report
