"""The local WorkspaceClient without Spark: user, runtime choice, refused specs, lookups."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from databricks.sdk.errors import InvalidParameterValue, NotFound
from databricks.sdk.service.compute import RuntimeEngine
from databricks.sdk.service.iam import User

from grader.config import Settings
from grader.exceptions import ClusterSpecError, ResourceNotFound
from grader.lab import reference
from grader.lab.cluster_rules import validate
from grader.lab.home import LabHome
from grader.lab.workspace import LocalWorkspaceClient

USER = "alice@example.com"


@pytest.fixture
def settings(lab_home: Path) -> Settings:
    return Settings(home=str(lab_home), user=USER)


@pytest.fixture
def w(lab_home: Path, settings: Settings) -> LocalWorkspaceClient:
    return LocalWorkspaceClient(LabHome(lab_home), settings)


def test_making_the_client_makes_the_home_and_starts_nothing(lab_home: Path) -> None:
    w = LocalWorkspaceClient(LabHome(lab_home), Settings(home=str(lab_home), user=USER))
    assert (lab_home / "clusters").is_dir() and (lab_home / "dbfs").is_dir()
    assert list(w.clusters.list()) == []
    assert str(lab_home) in repr(w)


def test_current_user_is_the_configured_user(w: LocalWorkspaceClient) -> None:
    me = w.current_user.me()
    assert isinstance(me, User)
    assert me.user_name == USER and me.display_name == USER and me.active
    assert me.emails[0].value == USER
    assert me.id and me.id == w.current_user.me().id  # stable


def test_another_user_has_another_id(lab_home: Path, w: LocalWorkspaceClient) -> None:
    bob = LocalWorkspaceClient(LabHome(lab_home), Settings(home=str(lab_home), user="bob"))
    assert bob.current_user.me().user_name == "bob"
    assert bob.current_user.me().id != w.current_user.me().id


def test_select_spark_version_with_scala_213(w: LocalWorkspaceClient) -> None:
    version = w.clusters.select_spark_version(
        latest=True, long_term_support=True, ml=True, gpu=False, scala="2.13"
    )
    assert version == "18.0.x-cpu-ml-scala2.13"


def test_select_spark_version_default_scala_is_the_trap(w: LocalWorkspaceClient) -> None:
    version = w.clusters.select_spark_version(
        latest=True, long_term_support=True, ml=True, gpu=False
    )
    assert version.endswith("-scala2.12")
    assert version == "16.4.x-cpu-ml-scala2.12"


def test_catalog_endpoints(w: LocalWorkspaceClient) -> None:
    assert any(v.key == "18.0.x-cpu-ml-scala2.13" for v in w.clusters.spark_versions().versions)
    assert any(
        n.node_type_id == "Standard_D4ds_v5" for n in w.clusters.list_node_types().node_types
    )


def test_the_labs_spec_passes(w: LocalWorkspaceClient) -> None:
    spec = reference.cluster_spec(w, w.current_user.me())
    validate(spec, user_name=USER)
    assert spec["spark_version"] == "18.0.x-cpu-ml-scala2.13"
    assert spec["single_user_name"] == USER
    assert spec["cluster_name"] == f"{USER}'s cluster"


REFUSED: list[tuple[str, dict[str, Any]]] = [
    ("num_workers", {"num_workers": 1}),
    ("autoscale", {"autoscale": {"min_workers": 1, "max_workers": 4}}),
    ("spark_version", {"spark_version": "17.3.x-gpu-ml-scala2.13"}),
    ("runtime_engine", {"runtime_engine": RuntimeEngine.PHOTON}),
    ("runtime_engine", {"spark_version": "17.3.x-photon-scala2.13"}),
    ("autotermination_minutes", {"autotermination_minutes": 0}),
    ("autotermination_minutes", {"autotermination_minutes": None}),
    ("node_type_id", {"node_type_id": "m5.xlarge"}),
    ("spark_version", {"spark_version": "13.3.x-scala2.12"}),
    ("single_user_name", {"single_user_name": "mallory@example.com"}),
    ("is_single_node", {"is_single_node": None, "spark_conf": None}),
    ("is_single_node", {"kind": None}),  # a workspace: "not allowed with unspecified kind"
    ("spark_conf", {"spark_conf": {"spark.databricks.cluster.profile": "singleNode"}}),
]


@pytest.mark.parametrize(("field", "changes"), REFUSED, ids=[f for f, _ in REFUSED])
def test_refused_create_names_the_field_and_records_nothing(
    w: LocalWorkspaceClient, lab_home: Path, field: str, changes: dict[str, Any]
) -> None:
    spec = reference.cluster_spec(w, w.current_user.me()) | changes
    with pytest.raises(ClusterSpecError) as info:
        w.clusters.create(**spec)
    assert isinstance(info.value, InvalidParameterValue)
    assert f"  - {field}: " in str(info.value)
    assert list((lab_home / "clusters").iterdir()) == []  # nothing half-made
    assert list(w.clusters.list()) == []


def test_refused_create_and_wait_starts_nothing(w: LocalWorkspaceClient) -> None:
    spec = reference.cluster_spec(w, w.current_user.me()) | {"num_workers": 2}
    with pytest.raises(InvalidParameterValue, match="num_workers"):
        w.clusters.create_and_wait(**spec)
    from grader.lab import spark

    assert spark.active_session() is None


@pytest.mark.parametrize(
    "call", ["get", "start", "delete", "attach", "permanent_delete", "ensure_cluster_is_running"]
)
def test_unknown_cluster_id_is_not_found(w: LocalWorkspaceClient, call: str) -> None:
    with pytest.raises(ResourceNotFound) as info:
        getattr(w.clusters, call)("0101-000000-deadbeef")
    assert isinstance(info.value, NotFound)
    assert "0101-000000-deadbeef" in str(info.value)
