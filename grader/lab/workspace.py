"""The local backend's ``WorkspaceClient``: the same attribute names and dataclasses as
``databricks.sdk.WorkspaceClient``, for the part of the API the lab uses."""

from __future__ import annotations

import hashlib
from functools import cached_property

from databricks.sdk.service.iam import ComplexValue, User

from grader.config import Settings
from grader.lab.clusters import ClustersAPI
from grader.lab.files import DbfsAPI
from grader.lab.home import LabHome


class CurrentUserAPI:
    """``w.current_user``: on the local backend, the learner is the configured user."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def me(self) -> User:
        name = self._settings.user_name
        return User(
            id=str(int(hashlib.sha256(name.encode()).hexdigest()[:12], 16)),
            user_name=name,
            display_name=name,
            active=True,
            emails=[ComplexValue(value=name, primary=True, type="work")],
        )


class LocalWorkspaceClient:
    """A workspace on this machine: ``current_user``, ``clusters``, ``dbfs``,
    ``serving_endpoints``. Nothing starts until a method is called."""

    def __init__(self, home: LabHome, settings: Settings) -> None:
        self._home = home.ensure()
        self._settings = settings
        self.current_user = CurrentUserAPI(settings)
        self.clusters = ClustersAPI(self._home, settings)
        self.dbfs = DbfsAPI(self._home)

    @cached_property
    def serving_endpoints(self):
        from grader.lab.serving import ServingEndpointsAPI

        return ServingEndpointsAPI(self._home, self._settings)

    def __repr__(self) -> str:
        return f"LocalWorkspaceClient(home={str(self._home.root)!r})"
