"""The learner's ``WorkspaceClient`` on Databricks: the SDK's own client, with the lab's
names scoped to the learner.

A notebook says ``/mlflow_lab/penguins.csv``, ``predict-penguin`` and "<name>'s cluster",
as the lab does. In a workspace a whole class shares, those become the learner's own
(:mod:`grader.lab.databricks.naming`): ``w.dbfs`` puts the lab's paths in the learner's
Unity Catalog volume (:mod:`grader.lab.databricks.volume`), or without Unity Catalog under
the learner's DBFS folder, ``w.serving_endpoints`` maps ``predict-penguin`` to the learner's endpoint,
``w.clusters.create_and_wait`` reuses the learner's running cluster of the same name. Every
other attribute is the SDK client's, unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any, BinaryIO

from databricks.sdk import WorkspaceClient
from databricks.sdk.clock import Clock
from databricks.sdk.service import serving
from databricks.sdk.service.compute import ClusterDetails, State
from databricks.sdk.service.files import FileInfo

from grader.lab.databricks.naming import LAB_ENDPOINT, LearnerNames
from grader.lab.databricks.waiting import wait_for

CLUSTER_TIMEOUT = timedelta(minutes=30)
ENDPOINT_TIMEOUT = timedelta(minutes=45)


class LearnerDbfs:
    """``w.dbfs`` where ``/mlflow_lab/...`` means the learner's folder in DBFS."""

    def __init__(self, dbfs, names: LearnerNames) -> None:
        self._dbfs = dbfs
        self._names = names

    def _lab_path(self, info: FileInfo) -> FileInfo:
        root = self._names.dbfs_root
        if info.path and info.path.startswith(root):
            info.path = info.path[len(root) :] or "/"
        return info

    def exists(self, path: str) -> bool:
        return self._dbfs.exists(self._names.dbfs_path(path))

    def mkdirs(self, path: str) -> None:
        self._dbfs.mkdirs(self._names.dbfs_path(path))

    def upload(self, path: str, src: BinaryIO, *, overwrite: bool = False) -> None:
        self._dbfs.upload(self._names.dbfs_path(path), src, overwrite=overwrite)

    def download(self, path: str) -> BinaryIO:
        return self._dbfs.download(self._names.dbfs_path(path))

    def get_status(self, path: str) -> FileInfo:
        return self._lab_path(self._dbfs.get_status(self._names.dbfs_path(path)))

    def list(self, path: str, *, recursive: bool = False) -> Iterator[FileInfo]:
        for info in self._dbfs.list(self._names.dbfs_path(path), recursive=recursive):
            yield self._lab_path(info)

    def delete(self, path: str, *, recursive: bool = False) -> None:
        self._dbfs.delete(self._names.dbfs_path(path), recursive=recursive)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._dbfs, name)


def _cluster_state(c: ClusterDetails) -> str:
    return c.state.value if c.state else "UNKNOWN"


def _cluster_failure(c: ClusterDetails) -> str | None:
    if c.state in (State.ERROR, State.TERMINATED, State.TERMINATING, State.UNKNOWN):
        reason = c.termination_reason
        code = reason.code.value if reason and reason.code else "no reason given"
        return f"{code}. {c.state_message or ''}".strip()
    return None


class LearnerClusters:
    """``w.clusters``: ``create_and_wait`` reuses the learner's running cluster of the same
    name and waits with progress and a timeout; ``attach`` gives a Spark session on it."""

    def __init__(self, clusters, names: LearnerNames, attach, clock: Clock | None = None) -> None:
        self._clusters = clusters
        self._names = names
        self._attach = attach
        self._clock = clock

    def running_named(self, cluster_name: str) -> ClusterDetails | None:
        """The learner's cluster of that name that runs or is starting, if any."""
        alive = (State.RUNNING, State.PENDING, State.RESIZING, State.RESTARTING)
        mine = [
            c
            for c in self._clusters.list()
            if c.cluster_name == cluster_name
            and c.state in alive
            and c.creator_user_name in (None, self._names.user_name)
        ]
        return max(mine, key=lambda c: c.start_time or 0) if mine else None

    def create_and_wait(
        self, spark_version: str, *, timeout: timedelta = CLUSTER_TIMEOUT, **spec: Any
    ) -> ClusterDetails:
        name = spec.get("cluster_name")
        found = self.running_named(name) if name else None
        if found is not None:
            print(f"Reusing your cluster {name!r} ({found.cluster_id}), {found.state.value}.")
            return self.wait_running(found.cluster_id, timeout=timeout)
        created = self._clusters.create(spark_version=spark_version, **spec)
        return self.wait_running(created.cluster_id, timeout=timeout)

    def wait_running(self, cluster_id: str, *, timeout: timedelta = CLUSTER_TIMEOUT):
        first = self._clusters.get(cluster_id)
        if first.state == State.RUNNING:
            return first
        return wait_for(
            f"Cluster {first.cluster_name!r} ({cluster_id})",
            lambda: self._clusters.get(cluster_id),
            state=_cluster_state,
            done=lambda c: c.state == State.RUNNING,
            failure=_cluster_failure,
            timeout=timeout,
            clock=self._clock,
        )

    def delete_and_wait(self, cluster_id: str, *, timeout: timedelta = CLUSTER_TIMEOUT):
        """Terminate the cluster and wait until it is TERMINATED, with progress."""
        name = self._clusters.get(cluster_id).cluster_name
        self._clusters.delete(cluster_id)
        return wait_for(
            f"Cluster {name!r} ({cluster_id})",
            lambda: self._clusters.get(cluster_id),
            state=_cluster_state,
            done=lambda c: c.state == State.TERMINATED,
            failure=lambda c: None,
            timeout=timeout,
            clock=self._clock,
        )

    def attach(self, cluster_id: str):
        """A Spark session on the cluster (see the backend's ``attach``)."""
        return self._attach(cluster_id)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._clusters, name)


def _endpoint_state(e: serving.ServingEndpointDetailed) -> str:
    state = e.state
    ready = state.ready.value if state and state.ready else "UNKNOWN"
    update = state.config_update.value if state and state.config_update else "UNKNOWN"
    return f"{ready}, config update {update}"


def _endpoint_failure(e: serving.ServingEndpointDetailed) -> str | None:
    update = e.state.config_update if e.state else None
    if update in (
        serving.EndpointStateConfigUpdate.UPDATE_FAILED,
        serving.EndpointStateConfigUpdate.UPDATE_CANCELED,
    ):
        entities = e.pending_config or e.config or serving.EndpointCoreConfigOutput()
        messages = [
            s.state.deployment_state_message
            for s in (entities.served_entities or [])
            if s.state and s.state.deployment_state_message
        ]
        return "; ".join(messages) or "the served model did not deploy"
    return None


class LearnerServingEndpoints:
    """``w.serving_endpoints`` where ``predict-penguin`` is the learner's own endpoint."""

    def __init__(self, endpoints, names: LearnerNames, clock: Clock | None = None) -> None:
        self._endpoints = endpoints
        self._names = names
        self._clock = clock

    def _real(self, name: str) -> str:
        return self._names.endpoint if name == LAB_ENDPOINT else name

    def _lab(self, name: str | None) -> str | None:
        return LAB_ENDPOINT if name == self._names.endpoint else name

    def _shown(self, endpoint):
        endpoint.name = self._lab(endpoint.name)
        return endpoint

    def create_and_wait(
        self,
        name: str,
        *,
        config: serving.EndpointCoreConfigInput | None = None,
        timeout: timedelta = ENDPOINT_TIMEOUT,
        **kwargs: Any,
    ) -> serving.ServingEndpointDetailed:
        real = self._real(name)
        if config is not None and config.name == name:
            config.name = real
        self._endpoints.create(real, config=config, **kwargs)
        return self._shown(self.wait_ready(real, timeout=timeout))

    def update_config_and_wait(
        self,
        name: str,
        *,
        timeout: timedelta = ENDPOINT_TIMEOUT,
        **kwargs: Any,
    ) -> serving.ServingEndpointDetailed:
        """Serve another version from the learner's endpoint (step 06 run again)."""
        real = self._real(name)
        self._endpoints.update_config(real, **kwargs)
        return self._shown(self.wait_ready(real, timeout=timeout))

    def wait_ready(self, name: str, *, timeout: timedelta = ENDPOINT_TIMEOUT):
        """Wait until the endpoint is READY and not updating (the SDK only checks the latter)."""
        real = self._real(name)
        return wait_for(
            f"Serving endpoint {real!r}",
            lambda: self._endpoints.get(real),
            state=_endpoint_state,
            done=lambda e: (
                e.state is not None
                and e.state.ready == serving.EndpointStateReady.READY
                and e.state.config_update == serving.EndpointStateConfigUpdate.NOT_UPDATING
            ),
            failure=_endpoint_failure,
            timeout=timeout,
            clock=self._clock,
        )

    def get(self, name: str) -> serving.ServingEndpointDetailed:
        return self._shown(self._endpoints.get(self._real(name)))

    def list(self) -> Iterator[serving.ServingEndpoint]:
        for endpoint in self._endpoints.list():
            yield self._shown(endpoint)

    def query(self, name: str, **kwargs: Any) -> serving.QueryEndpointResponse:
        return self._endpoints.query(self._real(name), **kwargs)

    def delete(self, name: str) -> None:
        """Delete the endpoint; one that is already gone is fine (07 also cleans up a run
        that stopped before step 06 made the endpoint)."""
        from databricks.sdk.errors import NotFound

        real = self._real(name)
        try:
            self._endpoints.delete(real)
        except NotFound:
            print(f"Endpoint {real!r} does not exist (already deleted).")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._endpoints, name)


class LearnerWorkspaceClient:
    """The SDK's ``WorkspaceClient`` with the lab's names scoped to one learner."""

    def __init__(
        self, w: WorkspaceClient, names: LearnerNames, attach, clock=None, *, catalog=None
    ) -> None:
        self.api_client = w
        self.names = names
        self.config = w.config
        self.current_user = w.current_user
        if catalog is not None and catalog.available:
            from grader.lab.databricks.volume import LearnerVolumeFiles

            self.dbfs = LearnerVolumeFiles(w, catalog)  # the lab's files in the learner's volume
        else:
            self.dbfs = LearnerDbfs(w.dbfs, names)
        self.clusters = LearnerClusters(w.clusters, names, attach, clock)
        self.serving_endpoints = LearnerServingEndpoints(w.serving_endpoints, names, clock)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.api_client, name)

    def __repr__(self) -> str:
        return f"WorkspaceClient(host={self.config.host!r}, user={self.names.user_name!r})"
