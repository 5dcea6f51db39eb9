"""What a cluster spec must be for this lab, with a message per broken rule.

The local backend refuses a spec the lab does not allow *before* anything starts, and says
which field is wrong, why, and what to write instead. Two kinds of rule: what a Databricks
workspace itself refuses (:func:`workspace_problems`, the rules of the API's contract that
the tests' fake workspace enforces too, each with its source in
``tests/databricks/CONTRACT.md``), and what this lab does not allow (GPU, Photon, workers,
no auto-termination). Rules that only make a spec "not the lab's" (an older runtime, 30
idle minutes) are left to the step's checks, which grade them.

A single-node cluster can be asked for two ways, and a workspace takes both:

- the current one: ``kind=Kind.CLASSIC_PREVIEW`` with ``is_single_node=True`` (the workspace
  then sets the single-node ``spark_conf``, ``custom_tags`` and ``num_workers=0`` itself);
  ``is_single_node`` without that ``kind`` is refused, and so is the single-node profile in
  ``spark_conf`` once ``kind`` and an access mode are set;
- the older one: no ``kind``, ``num_workers=0``, ``spark_conf`` with the single-node profile
  and ``spark.master=local[*]``, and the tag ``ResourceClass=SingleNode``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from databricks.sdk.service.compute import (
    DataSecurityMode,
    GetSparkVersionsResponse,
    ListNodeTypesResponse,
    NodeType,
    RuntimeEngine,
    SparkVersion,
)

from grader.exceptions import ClusterSpecError
from grader.lab import runtimes

try:
    from databricks.sdk.service.compute import Kind

    #: Whether this databricks-sdk's ``clusters.create`` takes ``kind`` and ``is_single_node``.
    SDK_HAS_KIND = True
except ImportError:  # databricks-sdk before `kind` existed (a 16.4 LTS runtime's 0.30)

    class Kind(Enum):  # the one member the lab's rules name, as the newer SDK spells it
        CLASSIC_PREVIEW = "CLASSIC_PREVIEW"

    SDK_HAS_KIND = False


LAB_NODE_TYPE = "Standard_D4ds_v5"
LAB_AUTOTERMINATION_MINUTES = 20
SINGLE_NODE_CONF = {"spark.databricks.cluster.profile": "singleNode", "spark.master": "local[*]"}
SINGLE_NODE_TAGS = {"ResourceClass": "SingleNode"}
PROFILE = "spark.databricks.cluster.profile"
#: The ``kind`` that allows ``is_single_node`` (and ``use_ml_runtime``).
CLASSIC_PREVIEW = Kind.CLASSIC_PREVIEW
#: The access modes of one user's cluster. ``DATA_SECURITY_MODE_DEDICATED`` is the newer
#: name; databricks-sdk releases before it (a 16.4 LTS runtime's 0.30) lack the member.
SINGLE_USER_MODES = tuple(
    m for m in DataSecurityMode if m.name in ("SINGLE_USER", "DATA_SECURITY_MODE_DEDICATED")
)


def _runtime(key: str, name: str) -> SparkVersion:
    return SparkVersion(key=key, name=name)


#: The runtimes this "workspace" offers, shaped as GET /api/2.1/clusters/spark-versions
#: answers: enough variety that choosing well (ML, LTS, no GPU, Scala 2.13) is a real choice.
#: Today's supported releases (the release notes' index, ``runtimes.RELEASE_NOTES``): the
#: LTS 14.3, 15.4 (Scala 2.12 only), 16.4, 17.3 and 18.0, and 19.0, newer but not LTS. The
#: CPU ML LTS builds with Scala 2.13 are those of :data:`grader.lab.runtimes.ML_LTS`.
RUNTIMES = GetSparkVersionsResponse(
    versions=[
        _runtime("14.3.x-scala2.12", "14.3 LTS (includes Apache Spark 3.5.0, Scala 2.12)"),
        _runtime(
            "14.3.x-cpu-ml-scala2.12", "14.3 LTS ML (includes Apache Spark 3.5.0, Scala 2.12)"
        ),
        _runtime("15.4.x-scala2.12", "15.4 LTS (includes Apache Spark 3.5.0, Scala 2.12)"),
        _runtime(
            "15.4.x-cpu-ml-scala2.12", "15.4 LTS ML (includes Apache Spark 3.5.0, Scala 2.12)"
        ),
        _runtime(
            "15.4.x-gpu-ml-scala2.12",
            "15.4 LTS ML (includes Apache Spark 3.5.0, GPU, Scala 2.12)",
        ),
        _runtime("16.4.x-scala2.12", "16.4 LTS (includes Apache Spark 3.5.2, Scala 2.12)"),
        _runtime("16.4.x-scala2.13", "16.4 LTS (includes Apache Spark 3.5.2, Scala 2.13)"),
        _runtime(
            "16.4.x-cpu-ml-scala2.12", "16.4 LTS ML (includes Apache Spark 3.5.2, Scala 2.12)"
        ),
        _runtime("17.3.x-scala2.13", "17.3 LTS (includes Apache Spark 4.0.0, Scala 2.13)"),
        _runtime(
            "17.3.x-photon-scala2.13", "17.3 LTS Photon (includes Apache Spark 4.0.0, Scala 2.13)"
        ),
        _runtime(
            "17.3.x-gpu-ml-scala2.13",
            "17.3 LTS ML (includes Apache Spark 4.0.0, GPU, Scala 2.13)",
        ),
        _runtime("18.0.x-scala2.13", "18.0 LTS (includes Apache Spark 4.1.0, Scala 2.13)"),
        _runtime(
            "18.0.x-gpu-ml-scala2.13",
            "18.0 LTS ML (includes Apache Spark 4.1.0, GPU, Scala 2.13)",
        ),
        *(_runtime(r.key, r.name) for r in runtimes.ML_LTS),
        _runtime("19.0.x-cpu-ml-scala2.13", "19.0 ML (includes Apache Spark 4.2.0, Scala 2.13)"),
    ]
)

NODE_TYPES = ListNodeTypesResponse(
    node_types=[
        NodeType(
            category="General Purpose",
            node_type_id="Standard_D4ds_v5",
            memory_mb=16384,
            num_cores=4.0,
            description="Standard_D4ds_v5 (4 cores, 16 GB)",
            instance_type_id="Standard_D4ds_v5",
            num_gpus=0,
        ),
        NodeType(
            category="General Purpose",
            node_type_id="Standard_DS3_v2",
            memory_mb=14336,
            num_cores=4.0,
            description="Standard_DS3_v2 (4 cores, 14 GB)",
            instance_type_id="Standard_DS3_v2",
            num_gpus=0,
        ),
        NodeType(
            category="General Purpose",
            node_type_id="Standard_NC4as_T4_v3",
            memory_mb=28672,
            num_cores=4.0,
            description="Standard_NC4as_T4_v3 (4 cores, 28 GB, 1 GPU)",
            instance_type_id="Standard_NC4as_T4_v3",
            num_gpus=1,
        ),
    ]
)


@dataclass(frozen=True)
class Problem:
    field: str
    why: str

    def __str__(self) -> str:
        return f"  - {self.field}: {self.why}"


def _enum(enum_type: type, value: Any) -> Any:
    if value is None or isinstance(value, enum_type):
        return value
    try:
        return enum_type(value)
    except ValueError:
        return enum_type[str(value)] if str(value) in enum_type.__members__ else value


def is_single_node(spec: dict[str, Any]) -> bool:
    """Single node either way: ``is_single_node=True`` (with its ``kind``; the workspace then
    fills in the rest), or no workers with the single-node profile and a local master."""
    if spec.get("is_single_node"):
        return True
    conf = spec.get("spark_conf") or {}
    return (
        spec.get("num_workers") in (0, None)
        and conf.get(PROFILE) == "singleNode"
        and str(conf.get("spark.master", "")).startswith("local")
    )


def workspace_problems(spec: dict[str, Any]) -> list[Problem]:
    """What a Databricks workspace itself refuses in this spec: the single-node fields'
    ``kind`` rules, the access mode's user and the auto-termination range."""
    found: list[Problem] = []
    kind = _enum(Kind, spec.get("kind"))
    conf = spec.get("spark_conf") or {}
    if kind != Kind.CLASSIC_PREVIEW:
        for name in ("is_single_node", "use_ml_runtime"):
            if spec.get(name) is not None:
                found.append(
                    Problem(
                        name,
                        f"the workspace refuses it: '{name} is not allowed with unspecified "
                        "kind.' Add kind=Kind.CLASSIC_PREVIEW (from databricks.sdk.service."
                        "compute import Kind).",
                    )
                )
    mode = _enum(DataSecurityMode, spec.get("data_security_mode"))
    if kind is not None and mode is not None and PROFILE in conf:
        found.append(
            Problem(
                "spark_conf",
                f"the workspace refuses it: 'Spark Conf: `{PROFILE}` is not allowed when "
                "choosing an access mode.' With kind=Kind.CLASSIC_PREVIEW and "
                "is_single_node=True leave spark_conf and custom_tags out: the workspace "
                "sets them.",
            )
        )
    if mode in SINGLE_USER_MODES and not spec.get("single_user_name"):
        found.append(
            Problem(
                "single_user_name",
                f"is required with data_security_mode {mode.value}: single_user_name=me.user_name.",
            )
        )
    minutes = spec.get("autotermination_minutes")
    if minutes and not 10 <= int(minutes) <= 10000:
        found.append(
            Problem(
                "autotermination_minutes",
                f"{minutes} is outside what the workspace takes (10 to 10000, or 0 for never); "
                f"the lab uses {LAB_AUTOTERMINATION_MINUTES}.",
            )
        )
    return found


def problems(spec: dict[str, Any], *, user_name: str) -> list[Problem]:
    """Every reason this workspace refuses the spec (empty when it is acceptable)."""
    found: list[Problem] = []
    keys = {v.key for v in RUNTIMES.versions}
    version = spec.get("spark_version")
    if not version:
        found.append(
            Problem(
                "spark_version", "is required; pick one with w.clusters.select_spark_version(...)."
            )
        )
    elif version not in keys:
        found.append(
            Problem(
                "spark_version",
                f"{version!r} is not a runtime this workspace offers; "
                "choose one with w.clusters.select_spark_version(...).",
            )
        )
    node_types = {n.node_type_id: n for n in NODE_TYPES.node_types}
    node = spec.get("node_type_id")
    if node not in node_types:
        found.append(
            Problem(
                "node_type_id",
                f"{node!r} is not a node type here; the lab uses {LAB_NODE_TYPE!r} "
                f"(offered: {', '.join(node_types)}).",
            )
        )
    if version and "-gpu-" in version and not (node in node_types and node_types[node].num_gpus):
        found.append(
            Problem(
                "spark_version",
                f"{version!r} is a GPU runtime, but {node!r} has no GPU; ask for gpu=False.",
            )
        )
    engine = _enum(RuntimeEngine, spec.get("runtime_engine"))
    if engine == RuntimeEngine.PHOTON or (version and "-photon-" in version):
        found.append(
            Problem(
                "runtime_engine",
                "Photon acceleration is off in this lab; use RuntimeEngine.STANDARD "
                "and a runtime without '-photon-'.",
            )
        )
    found += _single_node_problems(spec)
    if not spec.get("autotermination_minutes"):
        found.append(
            Problem(
                "autotermination_minutes",
                "is missing or 0, so the cluster would run (and cost) until someone stops it; "
                f"the lab uses {LAB_AUTOTERMINATION_MINUTES}.",
            )
        )
    found += workspace_problems(spec)
    mode = _enum(DataSecurityMode, spec.get("data_security_mode"))
    owner = spec.get("single_user_name")
    if mode in SINGLE_USER_MODES and owner and owner != user_name:
        found.append(
            Problem(
                "single_user_name",
                f"a single-user cluster must name its user: {user_name!r} (found {owner!r}).",
            )
        )
    return found


def _single_node_problems(spec: dict[str, Any]) -> list[Problem]:
    workers = spec.get("num_workers")
    if spec.get("autoscale"):
        return [Problem("autoscale", "a single-node cluster has no workers to scale; remove it.")]
    if workers:
        return [
            Problem(
                "num_workers",
                f"{workers} workers on a single-node cluster: the lab's cluster is one driver "
                "and no workers (num_workers=0).",
            )
        ]
    if not is_single_node(spec):
        return [
            Problem(
                "is_single_node",
                "the lab's cluster is single node: pass kind=Kind.CLASSIC_PREVIEW and "
                "is_single_node=True (or the older way, without kind: num_workers=0 with "
                f"spark_conf={SINGLE_NODE_CONF} and custom_tags={SINGLE_NODE_TAGS}).",
            )
        ]
    return []


def validate(spec: dict[str, Any], *, user_name: str) -> None:
    """Raise :class:`ClusterSpecError` listing every problem of the spec, or return."""
    found = problems(spec, user_name=user_name)
    if found:
        lines = "\n".join(str(p) for p in found)
        raise ClusterSpecError(f"This cluster spec is not allowed in the lab:\n{lines}")


def as_json(value: Any) -> Any:
    """SDK dataclasses and enums as the REST API's JSON (records read back with from_dict;
    a spec compares with a cluster's)."""
    if hasattr(value, "as_dict"):
        return value.as_dict()
    if hasattr(value, "value") and not isinstance(value, (str, int, float)):
        return value.value
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    return value


def changed_fields(spec: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """The fields of ``spec`` whose value the cluster ``current`` (its JSON) does not have:
    what re-running ``create_and_wait`` with a changed spec must edit on the cluster."""
    return sorted(
        k
        for k, v in spec.items()
        if v is not None and k not in ("timeout",) and as_json(v) != current.get(k)
    )


def with_single_node_defaults(spec: dict[str, Any]) -> dict[str, Any]:
    """What a workspace makes of ``is_single_node=True``: it sets the single-node
    ``spark_conf``, ``custom_tags`` and ``num_workers=0`` itself (the SDK's field doc)."""
    if not spec.get("is_single_node"):
        return spec
    return spec | {
        "num_workers": 0,
        "spark_conf": {**(spec.get("spark_conf") or {}), **SINGLE_NODE_CONF},
        "custom_tags": {**(spec.get("custom_tags") or {}), **SINGLE_NODE_TAGS},
    }


def start_refusal(cluster_id: str, state: str) -> str | None:
    """Why a workspace refuses ``clusters/start`` for a cluster in ``state``, or None.

    Only a ``TERMINATED`` cluster starts. The SDK's docstring says "nothing will happen"
    otherwise, but two workspaces quoted in public threads refused, in these words, with
    ``INVALID_STATE`` (tests/databricks/CONTRACT.md, C11): the SDK's own
    ``ensure_cluster_is_running`` starts only a terminated cluster and waits for the others.
    """
    if state == "TERMINATED":
        return None
    return f"Cluster {cluster_id} is in unexpected state {state.capitalize()}."
