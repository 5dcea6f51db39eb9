"""Serving endpoints on the fake, hosted by the lab's real local serving code
(``mlflow models serve`` of the registered version), so answers are real predictions.

The request is checked against the API (name rule, one served entity with a name, a
version, a workload size of Small, Medium or Large, ``scale_to_zero_enabled`` a bool).
``fail_next_update`` makes the next endpoint's config update fail, as a broken model does.
"""

from __future__ import annotations

import re
from contextlib import suppress
from typing import Any

from databricks.sdk.service import serving as sdk

from grader.config import Settings
from grader.exceptions import GraderError
from grader.lab.serving import ServingEndpointsAPI
from tests.databricks.fake.contract import fields_of, parse, parse_fields
from tests.databricks.fake.errors import FakeError, invalid, not_found, one_of, require

WORKLOAD_SIZES = ("Small", "Medium", "Large")
_NAME = re.compile(r"[A-Za-z0-9_-]{1,63}")


class FakeServing:
    def __init__(self, fake) -> None:
        self.fake = fake
        self.local = ServingEndpointsAPI(fake.mlflow.home, Settings.from_env())
        self.failed: dict[str, dict[str, Any]] = {}  # endpoints whose update failed
        self.fail_next_update: str | None = None
        #: the next create or update stays IN_PROGRESS (a container build that takes long)
        self.hold_next_update = False

    def register(self) -> None:
        r = self.fake.route
        r("POST", "/api/2.0/serving-endpoints", self.create)
        r("GET", "/api/2.0/serving-endpoints", self.list)
        r("GET", "/api/2.0/serving-endpoints/{name}", self.get)
        r("DELETE", "/api/2.0/serving-endpoints/{name}", self.delete)
        r("PUT", "/api/2.0/serving-endpoints/{name}/config", self.update_config)
        r("POST", "/serving-endpoints/{name}/invocations", self.invocations)

    def _checked_entity(self, config: dict[str, Any]) -> dict[str, Any]:
        """One served entity, named by its model and version (rows S2-S4)."""
        entities = config.get("served_entities") or []
        if len(entities) != 1:
            raise invalid("The fake serves exactly one entity (config.served_entities).")
        entity = entities[0]
        require(entity, "entity_name", "entity_version", where="served_entities[0].")
        one_of(entity, "workload_size", WORKLOAD_SIZES, where="served_entities[0].")
        if not isinstance(entity.get("scale_to_zero_enabled", False), bool):
            raise invalid("served_entities[0].scale_to_zero_enabled must be a boolean")
        if entity.get("name") is not None and not _NAME.fullmatch(entity["name"]):
            raise invalid(f"Served entity name {entity['name']!r}: use letters, digits, - and _.")
        return entity

    def create(self, body, **_):
        parse_fields(body, fields_of(sdk.ServingEndpointsAPI.create))
        require(body, "name", "config")
        if not _NAME.fullmatch(body["name"]):
            raise invalid(f"Endpoint name {body['name']!r}: use letters, digits, - and _.")
        config = parse(body["config"], sdk.EndpointCoreConfigInput, where="config.")
        entity = self._checked_entity(body["config"])
        name = body["name"]
        if name in self.failed or self._exists(name):
            raise FakeError(
                409, "RESOURCE_ALREADY_EXISTS", f"Serving endpoint with name {name} already exists"
            )
        self._serve(name, entity, config)
        return self.get(name=name)

    def _serve(self, name: str, entity: dict[str, Any], config) -> None:
        if self.hold_next_update:
            self.hold_next_update = False
            self.failed[name] = {"name": name, "entity": entity, "why": None}
            return
        if self.fail_next_update:
            why, self.fail_next_update = self.fail_next_update, None
            self.failed[name] = {"name": name, "entity": entity, "why": why}
            return
        try:
            self.local.create(name, config=config)
        except GraderError as exc:
            raise invalid(str(exc)) from None

    def update_config(self, name, body, **_):
        """A new config for an endpoint (S6): refused while an update is in progress; the
        endpoint serves the new version once the update is done."""
        parse_fields(body, fields_of(sdk.ServingEndpointsAPI.update_config, drop=("name",)))
        current = self.get(name=name)
        if current["state"].get("config_update") == "IN_PROGRESS":
            raise FakeError(409, "RESOURCE_CONFLICT", f"Endpoint '{name}' has an update in "
                            "progress: it can be updated once that completes or fails.")  # fmt: skip
        config = parse({"name": name, **body}, sdk.EndpointCoreConfigInput)
        entity = self._checked_entity(body)
        if name in self.failed:
            del self.failed[name]
        else:
            self.local.delete(name)
        self._serve(name, entity, config)
        return self.get(name=name)

    def _exists(self, name: str) -> bool:
        try:
            self.local.get(name)
            return True
        except GraderError:
            return False

    def _failed_view(self, record: dict[str, Any]) -> dict[str, Any]:
        entity = record["entity"]
        if record["why"] is None:  # held: still updating
            return {"name": record["name"], "creator": self.fake.user_name,
                    "state": {"ready": "NOT_READY", "config_update": "IN_PROGRESS"},
                    "pending_config": {"served_entities": [{**entity,
                        "state": {"deployment": "DEPLOYMENT_CREATING"}}]}}  # fmt: skip
        return {"name": record["name"], "creator": self.fake.user_name,
                "state": {"ready": "NOT_READY", "config_update": "UPDATE_FAILED"},
                "pending_config": {"served_entities": [{**entity,
                    "state": {"deployment": "DEPLOYMENT_FAILED",
                              "deployment_state_message": record["why"]}}]}}  # fmt: skip

    def get(self, name, **_):
        if name in self.failed:
            return self._failed_view(self.failed[name])
        try:
            return self.local.get(name).as_dict()
        except GraderError:
            raise not_found(f"Serving endpoint with name {name} not found") from None

    def list(self, **_):
        names = [r["name"] for r in self.local._records]
        return {"endpoints": [self.get(name=n) for n in [*names, *self.failed]]}

    def delete(self, name, **_):
        if self.failed.pop(name, None) is not None:
            return
        try:
            self.local.delete(name)
        except GraderError:
            raise not_found(f"Serving endpoint with name {name} not found") from None

    def invocations(self, name, body, **_):
        self.get(name=name)
        keys = [
            k for k in ("dataframe_records", "dataframe_split", "instances", "inputs") if k in body
        ]
        if len(keys) != 1:
            raise invalid(
                "Give exactly one of dataframe_records, dataframe_split, instances, inputs."
            )
        try:
            return self.local.query(name, **{keys[0]: body[keys[0]]}).as_dict()
        except GraderError as exc:
            raise FakeError(400, "BAD_REQUEST", str(exc)) from None

    def stop(self) -> None:
        for record in list(self.local._records):
            with suppress(GraderError):
                self.local.delete(record["name"])
