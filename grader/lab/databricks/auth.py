"""Connecting to the workspace with the SDK's own authentication, checked before step 01.

``WorkspaceClient()`` finds credentials the SDK's way: ``DATABRICKS_HOST`` and
``DATABRICKS_TOKEN``, a profile of ``~/.databrickscfg`` (``DATABRICKS_CONFIG_PROFILE``), the
Azure CLI (``az login``) and the rest of its chain. A missing or refused credential is
turned into one :class:`~grader.exceptions.WorkspaceAuthError` saying what to set, so a
learner sees a sentence, not a stack trace. The SDK's retries on 429 and 5xx are kept.
"""

from __future__ import annotations

import requests
from databricks.sdk import WorkspaceClient
from databricks.sdk.config import Config
from databricks.sdk.errors import DatabricksError, PermissionDenied, Unauthenticated
from databricks.sdk.service.iam import User

from grader.exceptions import WorkspaceAuthError

HOW_TO_SIGN_IN = (
    "Tell the lab which workspace to use and how to sign in, in one of these ways:\n"
    "  - set DATABRICKS_HOST=https://adb-<id>.<n>.azuredatabricks.net and "
    "DATABRICKS_TOKEN=<a personal access token> (User settings → Developer → Access tokens);\n"
    "  - or set DATABRICKS_CONFIG_PROFILE=<profile> naming a profile of ~/.databrickscfg;\n"
    "  - or set DATABRICKS_HOST and sign in with the Azure CLI (az login).\n"
    "Or run the course on the local backend: MLFLOW_LAB_BACKEND=local."
)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]


def connect(**config) -> tuple[WorkspaceClient, User]:
    """A working client and the signed-in user, or a WorkspaceAuthError that says why.

    ``config`` goes to the SDK's ``Config`` (``host=``, ``token=``, ``profile=``...); empty
    means the SDK's default chain."""
    try:
        w = WorkspaceClient(config=Config(**config))
    except ValueError as exc:  # the SDK's "cannot configure default credentials"
        raise WorkspaceAuthError(
            f"No Databricks credentials found ({_first_line(exc)}).\n{HOW_TO_SIGN_IN}"
        ) from None
    host = w.config.host
    try:
        me = w.current_user.me()
    except (Unauthenticated, PermissionDenied) as exc:
        raise WorkspaceAuthError(
            f"{host} refused the credentials ({w.config.auth_type} auth): {_first_line(exc)}.\n"
            "The token may have expired or been revoked: create a new one and set "
            f"DATABRICKS_TOKEN, or sign in again (az login).\n{HOW_TO_SIGN_IN}"
        ) from None
    except (requests.ConnectionError, requests.Timeout, TimeoutError) as exc:  # retries ran out
        raise WorkspaceAuthError(
            f"Cannot reach the workspace {host}: {_first_line(exc)}.\n"
            "Check DATABRICKS_HOST (the workspace URL) and your network."
        ) from None
    except DatabricksError as exc:
        raise WorkspaceAuthError(
            f"The workspace {host} did not say who you are: {_first_line(exc)}.\n{HOW_TO_SIGN_IN}"
        ) from None
    return w, me
