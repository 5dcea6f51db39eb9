"""``grader provision azure`` offline: the real Azure SDK clients against a fake Resource
Manager plugged in at the HTTP level (a requests adapter under the SDK's transport)."""

from __future__ import annotations

import io
import json
import random
import re
import time
import urllib.parse

import pytest
import requests
import urllib3
from azure.core.credentials import AccessToken
from azure.core.pipeline.transport import RequestsTransport

from grader.admin.azure import AzureProvisioner, ProvisionError, provision_azure

SUB = "00000000-0000-0000-0000-000000000001"


class FakeCredential:
    def get_token(self, *scopes, **kwargs) -> AccessToken:
        assert scopes == ("https://management.azure.com/.default",)
        return AccessToken("fake-arm-token", int(time.time()) + 3600)


class FakeArm(requests.adapters.HTTPAdapter):
    """Resource Manager for one subscription: providers, SKUs, quota, groups, workspaces."""

    def __init__(self, skus: dict[str, list], free: dict[str, int]) -> None:
        super().__init__()
        self.skus, self.free = skus, free
        self.calls: list[tuple[str, str, dict]] = []
        self.workspaces: dict[str, dict] = {}

    def _answer(self, method: str, path: str, query: dict, body: dict):
        base = f"/subscriptions/{SUB}"
        if method == "POST" and (m := re.fullmatch(base + r"/providers/([\w.]+)/register", path)):
            return 200, {"namespace": m[1], "registrationState": "Registered"}
        if method == "GET" and path == base + "/providers/Microsoft.Databricks":
            return 200, {"namespace": "Microsoft.Databricks", "resourceTypes": [
                {"resourceType": "workspaces", "locations": ["East US", "West Europe", "UK South", "Japan East"]}]}  # fmt: skip
        if method == "GET" and path == base + "/providers/Microsoft.Compute":
            return 200, {"namespace": "Microsoft.Compute", "resourceTypes": [
                {"resourceType": "virtualMachines", "locations": ["East US", "West Europe", "UK South", "West US"]}]}  # fmt: skip
        if method == "GET" and path == base + "/providers/Microsoft.Compute/skus":
            region = re.fullmatch(r"location eq '(\w+)'", query["$filter"])[1]
            return 200, {"value": [{"resourceType": "virtualMachines", "name": "Standard_D4ds_v5",
                                    "locations": [region], "restrictions": self.skus[region]}]}  # fmt: skip
        if method == "GET" and (m := re.fullmatch(base + r"/providers/Microsoft.Compute/locations/(\w+)/usages", path)):  # fmt: skip
            return 200, {"value": [{"name": {"value": "standardDDSv5Family",
                                             "localizedValue": "Standard DDSv5 Family vCPUs"},
                                    "currentValue": 10, "limit": 10 + self.free[m[1]], "unit": "Count"}]}  # fmt: skip
        if method == "PUT" and (m := re.fullmatch(base + r"/resourcegroups/([\w-]+)", path)):
            assert body["location"]
            return 201, {"id": path, "name": m[1], "location": body["location"],
                         "properties": {"provisioningState": "Succeeded"}}  # fmt: skip
        ws = re.fullmatch(base + r"/resourceGroups/([\w-]+)/providers/Microsoft.Databricks/workspaces/([\w-]+)", path)  # fmt: skip
        if method == "PUT" and ws:
            assert body["sku"]["name"] in ("standard", "premium", "trial") and body["location"]
            assert body["properties"]["managedResourceGroupId"].startswith(
                base + "/resourceGroups/"
            )
            self.workspaces[path] = {**body, "id": path, "name": ws[2],
                                     "properties": {**body["properties"], "provisioningState": "Accepted"}}  # fmt: skip
            return 201, self.workspaces[path]
        if method == "GET" and ws and path in self.workspaces:
            done = self.workspaces[path]
            done["properties"] |= {"provisioningState": "Succeeded",
                                   "workspaceUrl": "adb-1234567890123456.7.azuredatabricks.net"}  # fmt: skip
            return 200, done
        return 404, {"error": {"code": "NotFound", "message": f"{method} {path}"}}

    def send(self, request, **kwargs):
        url = urllib.parse.urlsplit(request.url)
        assert url.netloc == "management.azure.com" and "api-version" in url.query
        assert request.headers["Authorization"] == "Bearer fake-arm-token"
        query = dict(urllib.parse.parse_qsl(url.query))
        body = json.loads(request.body) if request.body else {}
        status, payload = self._answer(request.method, url.path, query, body)
        self.calls.append((request.method, url.path, body))
        data = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json", "Retry-After": "0"}
        raw = urllib3.HTTPResponse(body=io.BytesIO(data), headers=headers, status=status,
                                   preload_content=False)  # fmt: skip
        return self.build_response(request, raw)


def _provisioner(arm: FakeArm) -> AzureProvisioner:
    session = requests.Session()
    session.mount("https://", arm)
    return AzureProvisioner(FakeCredential(), SUB, transport=RequestsTransport(session=session))


RESTRICTED = [
    {"type": "Location", "reasonCode": "NotAvailableForSubscription", "values": ["eastus"]}
]


def test_the_first_region_with_the_sku_and_quota_gets_the_workspace() -> None:
    arm = FakeArm(skus={"eastus": RESTRICTED, "westeurope": [], "uksouth": []},
                  free={"eastus": 100, "westeurope": 4, "uksouth": 16})  # fmt: skip
    said: list[str] = []
    made = provision_azure(_provisioner(arm), region="eastus", suffix="abc1234",
                           rng=random.Random(1), say=said.append)  # fmt: skip
    assert (made.region, made.resource_group, made.workspace) == (
        "uksouth",
        "msl-abc1234",
        "databricks-abc1234",
    )
    assert made.workspace_url == "adb-1234567890123456.7.azuredatabricks.net"
    assert said[1] == "Trying eastus…"  # the preferred region first
    assert any("NotAvailableForSubscription" in s for s in said)
    assert any("4 DDSv5 vCPUs free, the lab needs 8" in s for s in said)
    registered = [p.split("/")[-2] for m, p, _ in arm.calls if p.endswith("/register")]
    assert registered == ["Microsoft.Storage", "Microsoft.Compute", "Microsoft.Databricks"]
    [(_, _, workspace)] = [c for c in arm.calls if c[0] == "PUT" and "/workspaces/" in c[1]]
    assert workspace["sku"] == {"name": "premium"} and workspace["location"] == "uksouth"
    # every field the API version requires on create (2026-01-01: the compute mode)
    assert workspace["properties"]["computeMode"] == "Hybrid"
    assert workspace["properties"]["managedResourceGroupId"].endswith(
        "databricks-rg-databricks-abc1234"
    )


def test_no_room_anywhere_says_where_and_why() -> None:
    arm = FakeArm(skus={"eastus": RESTRICTED, "westeurope": [], "uksouth": []},
                  free={"eastus": 100, "westeurope": 0, "uksouth": 2})  # fmt: skip
    with pytest.raises(ProvisionError) as info:
        provision_azure(_provisioner(arm), suffix="x", say=lambda s: None)
    message = str(info.value)
    assert "eastus (Standard_D4ds_v5 is restricted (NotAvailableForSubscription))" in message
    assert "uksouth (2 DDSv5 vCPUs free" in message and "quota" in message
    assert not [c for c in arm.calls if c[0] == "PUT"]  # nothing was created
