"""The lab's cluster rules: every refused spec names its field; the lab's own spec passes."""

from __future__ import annotations

from typing import Any

import pytest
from databricks.sdk.errors import InvalidParameterValue
from databricks.sdk.service.compute import AutoScale, DataSecurityMode, Kind, RuntimeEngine

from grader.exceptions import ClusterSpecError
from grader.lab import cluster_rules
from grader.lab.cluster_rules import is_single_node, problems, validate

USER = "alice@example.com"


def lab_spec(**changes: Any) -> dict[str, Any]:
    """The lab's spec (as reference.cluster_spec makes it), with some fields changed."""
    spec = {
        "cluster_name": "alice@example.com's cluster",
        "spark_version": "17.3.x-cpu-ml-scala2.13",
        "node_type_id": "Standard_D4ds_v5",
        "kind": Kind.CLASSIC_PREVIEW,
        "is_single_node": True,
        "data_security_mode": DataSecurityMode.SINGLE_USER,
        "single_user_name": USER,
        "runtime_engine": RuntimeEngine.STANDARD,
        "autotermination_minutes": 20,
    }
    spec.update(changes)
    return {k: v for k, v in spec.items() if v is not None}


#: (what is wrong, the field the message must name, the spec changes)
REFUSED = [
    ("workers on a single node", "num_workers", {"num_workers": 2}),
    ("autoscale", "autoscale", {"autoscale": AutoScale(min_workers=1, max_workers=2)}),
    ("autoscale as JSON", "autoscale", {"autoscale": {"min_workers": 1, "max_workers": 2}}),
    ("GPU runtime, no GPU", "spark_version", {"spark_version": "17.3.x-gpu-ml-scala2.13"}),
    ("Photon engine", "runtime_engine", {"runtime_engine": RuntimeEngine.PHOTON}),
    ("Photon engine as text", "runtime_engine", {"runtime_engine": "PHOTON"}),
    ("Photon runtime key", "runtime_engine", {"spark_version": "17.3.x-photon-scala2.13"}),
    ("no autotermination", "autotermination_minutes", {"autotermination_minutes": None}),
    ("autotermination 0", "autotermination_minutes", {"autotermination_minutes": 0}),
    ("autotermination too short", "autotermination_minutes", {"autotermination_minutes": 5}),
    ("unknown node type", "node_type_id", {"node_type_id": "Standard_XL_v99"}),
    ("no node type", "node_type_id", {"node_type_id": None}),
    ("unknown runtime", "spark_version", {"spark_version": "99.9.x-scala2.13"}),
    ("no runtime", "spark_version", {"spark_version": None}),
    ("someone else's cluster", "single_user_name", {"single_user_name": "bob@example.com"}),
    ("single user, no name", "single_user_name", {"single_user_name": None}),
    (
        "dedicated mode for someone else",
        "single_user_name",
        {
            "data_security_mode": DataSecurityMode.DATA_SECURITY_MODE_DEDICATED,
            "single_user_name": "bob@example.com",
        },
    ),
    (
        "single user as text",
        "single_user_name",
        {"data_security_mode": "SINGLE_USER", "single_user_name": "bob@example.com"},
    ),
    (
        "not single node at all",
        "is_single_node",
        {"is_single_node": None, "kind": None},
    ),
    # What a workspace refuses (CONTRACT.md C4, C5), with its own words in the message.
    ("is_single_node without kind", "is_single_node", {"kind": None}),
    (
        "the profile conf with kind and an access mode",
        "spark_conf",
        {"spark_conf": dict(cluster_rules.SINGLE_NODE_CONF)},
    ),
    ("autotermination too long", "autotermination_minutes", {"autotermination_minutes": 10001}),
]


def test_the_labs_spec_is_allowed() -> None:
    assert problems(lab_spec(), user_name=USER) == []
    validate(lab_spec(), user_name=USER)


@pytest.mark.parametrize(
    ("field", "changes"), [(f, c) for _, f, c in REFUSED], ids=[w for w, _, _ in REFUSED]
)
def test_refused_spec_names_the_field(field: str, changes: dict[str, Any]) -> None:
    spec = lab_spec(**changes)
    with pytest.raises(ClusterSpecError) as info:
        validate(spec, user_name=USER)
    assert isinstance(info.value, InvalidParameterValue)  # the SDK's error, as on Databricks
    assert f"  - {field}: " in str(info.value)
    assert field in {p.field for p in problems(spec, user_name=USER)}


def test_every_problem_is_listed_at_once() -> None:
    spec = lab_spec(node_type_id="nope", autotermination_minutes=0, num_workers=3)
    fields = {p.field for p in problems(spec, user_name=USER)}
    assert fields == {"node_type_id", "autotermination_minutes", "num_workers"}


def test_gpu_runtime_on_a_gpu_node_is_allowed() -> None:
    spec = lab_spec(spark_version="17.3.x-gpu-ml-scala2.13", node_type_id="Standard_NC4as_T4_v3")
    assert problems(spec, user_name=USER) == []


def test_single_node_the_older_way() -> None:
    """No kind, no is_single_node: num_workers=0, the profile conf and the tag."""
    spec = lab_spec(
        is_single_node=None,
        kind=None,
        num_workers=0,
        spark_conf=dict(cluster_rules.SINGLE_NODE_CONF),
        custom_tags=dict(cluster_rules.SINGLE_NODE_TAGS),
    )
    assert is_single_node(spec)
    assert problems(spec, user_name=USER) == []
    assert not is_single_node(
        {"num_workers": 0, "spark_conf": {cluster_rules.PROFILE: "singleNode"}}
    )
    assert not is_single_node({"num_workers": 0})
    assert not is_single_node({"num_workers": 1, "spark_conf": cluster_rules.SINGLE_NODE_CONF})


def test_shared_access_mode_needs_no_user_name() -> None:
    spec = lab_spec(data_security_mode=DataSecurityMode.USER_ISOLATION, single_user_name=None)
    assert problems(spec, user_name=USER) == []


def test_catalog_offers_the_labs_runtime_and_node() -> None:
    keys = [v.key for v in cluster_rules.RUNTIMES.versions]
    assert "17.3.x-cpu-ml-scala2.13" in keys and len(keys) == len(set(keys))
    nodes = {n.node_type_id for n in cluster_rules.NODE_TYPES.node_types}
    assert cluster_rules.LAB_NODE_TYPE in nodes
