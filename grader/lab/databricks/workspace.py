"""The learner's ``WorkspaceClient`` on Databricks: the SDK's own client, with the lab's
names scoped to the learner.

A notebook says ``/mlflow_lab/penguins.csv``, ``predict-penguin`` and "<name>'s cluster",
as the lab does. In a workspace a whole class shares, those become the learner's own
(:mod:`grader.lab.databricks.naming`): ``w.dbfs`` puts the lab's paths in the learner's
Unity Catalog volume (:mod:`grader.lab.databricks.volume`), or without Unity Catalog under
the learner's DBFS folder, ``w.serving_endpoints`` maps ``predict-penguin`` to the learner's endpoint,
``w.clusters.create_and_wait`` reuses the learner's cluster of the same name (started if it
is terminated). Every
other attribute is the SDK client's, unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any, BinaryIO

from databricks.sdk import WorkspaceClient
from databricks.sdk.clock import Clock
from databricks.sdk.errors import NotFound
from databricks.sdk.service import serving
from databricks.sdk.service.compute import ClusterDetails, State
from databricks.sdk.service.files import FileInfo

from grader.lab import cluster_rules
from grader.lab.databricks.naming import LearnerNames
from grader.lab.databricks.waiting import wait_for
from grader.lab.steps import ENDPOINT_NAME

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
        found = self.named(cluster_name)
        return found if found is not None and found.state in alive else None

    def named(self, cluster_name: str) -> ClusterDetails | None:
        """The learner's newest cluster of that name, in any state."""
        mine = [
            c
            for c in self._clusters.list()
            if c.cluster_name == cluster_name
            and c.creator_user_name in (None, self._names.user_name)
        ]
        return max(mine, key=lambda c: c.start_time or 0) if mine else None

    def create_and_wait(
        self, spark_version: str, *, timeout: timedelta = CLUSTER_TIMEOUT, **spec: Any
    ) -> ClusterDetails:
        """Create the cluster and wait until it runs. Run again, it reuses the learner's
        cluster of that name instead of creating another: a terminated one is started, and
        a changed spec is applied with ``edit`` (which restarts a running cluster)."""
        name = spec.get("cluster_name")
        found = self.named(name) if name else None
        if found is None:
            created = self._clusters.create(spark_version=spark_version, **spec)
            return self.wait_running(created.cluster_id, timeout=timeout)
        if found.state not in (State.RUNNING, State.TERMINATED):
            found = self._wait(found.cluster_id, (State.RUNNING, State.TERMINATED), timeout)
        wanted = cluster_rules.with_single_node_defaults({**spec, "spark_version": spark_version})
        changed = cluster_rules.changed_fields(wanted, found.as_dict())
        state = found.state.value if found.state else "UNKNOWN"
        if changed:
            print(f"Your cluster {name!r} ({found.cluster_id}) is {state}: editing "
                  f"{', '.join(changed)}.")  # fmt: skip
            self._clusters.edit(found.cluster_id, spark_version=spark_version, **spec)
        else:
            print(f"Reusing your cluster {name!r} ({found.cluster_id}), {state}.")
        if found.state == State.TERMINATED:
            self._clusters.start(found.cluster_id)
        return self.wait_running(found.cluster_id, timeout=timeout)

    def _wait(self, cluster_id: str, states: tuple[State, ...], timeout: timedelta):
        return wait_for(
            f"Cluster {cluster_id}",
            lambda: self._clusters.get(cluster_id),
            state=_cluster_state,
            done=lambda c: c.state in states,
            failure=lambda c: None,
            timeout=timeout,
            clock=self._clock,
        )

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


def _served(endpoint: serving.ServingEndpointDetailed) -> list[tuple[str, str]]:
    """(model, version) of each entity the endpoint serves or is updating to."""
    config = endpoint.pending_config or endpoint.config
    entities = (config.served_entities if config else None) or []
    return [(e.entity_name or "", str(e.entity_version or "")) for e in entities]


def _served_input(config: serving.EndpointCoreConfigInput) -> list[tuple[str, str]]:
    return [
        (e.entity_name or "", str(e.entity_version or "")) for e in config.served_entities or []
    ]


def _with_named_entities(config: serving.EndpointCoreConfigInput):
    """Name each served entity the API's way (letters, digits, ``-`` and ``_``): its default,
    ``<entity_name>-<entity_version>``, has the dots of a Unity Catalog name."""
    for entity in config.served_entities or []:
        if entity.name is None and entity.entity_name:
            model = re.sub(r"[^A-Za-z0-9_-]+", "_", entity.entity_name.rsplit(".", 1)[-1])
            entity.name = f"{model}-{entity.entity_version}"
    return config


class LearnerServingEndpoints:
    """``w.serving_endpoints`` where ``predict-penguin`` is the learner's own endpoint."""

    def __init__(self, endpoints, names: LearnerNames, clock: Clock | None = None) -> None:
        self._endpoints = endpoints
        self._names = names
        self._clock = clock

    def _real(self, name: str) -> str:
        return self._names.endpoint if name == ENDPOINT_NAME else name

    def _lab(self, name: str | None) -> str | None:
        return ENDPOINT_NAME if name == self._names.endpoint else name

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
        """Create the endpoint and wait until it is READY. Run again, it reuses the learner's
        endpoint: unchanged if it already serves that version, else ``update_config`` to the
        new one (a second create is refused with RESOURCE_ALREADY_EXISTS)."""
        real = self._real(name)
        if config is not None:
            config = _with_named_entities(config)
            if config.name == name:
                config.name = real
        try:
            current = self._endpoints.get(real)
        except NotFound:
            current = None
        if current is None:
            self._endpoints.create(real, config=config, **kwargs)
        elif config is not None and _served(current) != _served_input(config):
            print(f"Your endpoint {real!r} serves {_served(current) or 'nothing yet'}: "
                  f"updating it to {_served_input(config)}.")  # fmt: skip
            self.wait_settled(real, timeout=timeout)
            self._endpoints.update_config(real, served_entities=config.served_entities)
        else:
            print(f"Reusing your endpoint {real!r}, which serves {_served(current)}.")
        return self._shown(self.wait_ready(real, timeout=timeout))

    def wait_settled(self, name: str, *, timeout: timedelta = ENDPOINT_TIMEOUT):
        """Wait until no config update is in progress (an update is refused meanwhile)."""
        return wait_for(
            f"Serving endpoint {name!r}",
            lambda: self._endpoints.get(name),
            state=_endpoint_state,
            done=lambda e: (
                e.state is None
                or e.state.config_update != serving.EndpointStateConfigUpdate.IN_PROGRESS
            ),
            failure=lambda e: None,
            timeout=timeout,
            clock=self._clock,
        )

    def update_config_and_wait(
        self,
        name: str,
        *,
        timeout: timedelta = ENDPOINT_TIMEOUT,
        **kwargs: Any,
    ) -> serving.ServingEndpointDetailed:
        """Serve another version from the learner's endpoint (step 06 run again)."""
        real = self._real(name)
        self.wait_settled(real, timeout=timeout)  # an update is refused while one runs
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
