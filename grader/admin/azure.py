"""``grader provision azure`` (or ``python -m grader.admin.azure``): a Premium Azure Databricks workspace for the lab, as the lab's
``setup.ps1`` makes one, through the Azure SDK for Python (the optional extra ``azure``).

The steps: register the resource providers the workspace needs; take the lab's regions
where Databricks and Compute are offered (a preferred one first, the rest in random order
so a class spreads out); keep the first where ``Standard_D4ds_v5`` is offered without
restriction and the DDSv5 vCPU quota has room for the lab (8 vCPUs); create the resource
group ``msl-<suffix>`` and the Premium workspace ``databricks-<suffix>`` there.
"""

from __future__ import annotations

import random
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from grader.exceptions import GraderError

#: The lab's regions for Azure Databricks with model serving (``setup.ps1``).
LAB_REGIONS = ("centralus", "eastus", "eastus2", "northcentralus", "northeurope",
               "westeurope", "westus", "uksouth")  # fmt: skip
NODE_SKU = "Standard_D4ds_v5"
QUOTA_FAMILY = "standardDDSv5Family"  # "Standard DDSv5 Family vCPUs"
VCPUS_NEEDED = 8
PROVIDERS = ("Microsoft.Storage", "Microsoft.Compute", "Microsoft.Databricks")


class ProvisionError(GraderError):
    """No region could take the workspace, or Azure refused a step; says which and why."""


@dataclass
class Provisioned:
    subscription_id: str
    resource_group: str
    workspace: str
    region: str
    workspace_url: str | None


def _region(display_name: str) -> str:
    """``East US 2`` → ``eastus2`` (ARM's location names)."""
    return display_name.replace(" ", "").lower()


class AzureProvisioner:
    """One subscription's clients; each step a method, testable alone."""

    def __init__(self, credential, subscription_id: str, **client_kwargs: Any) -> None:
        try:
            from azure.mgmt.compute import ComputeManagementClient
            from azure.mgmt.databricks import AzureDatabricksManagementClient
            from azure.mgmt.resource.resources import ResourceManagementClient
        except ImportError:
            raise ProvisionError(
                "The Azure SDK is not installed: python3 -m pip install '.[azure]'"
            ) from None
        self.subscription_id = subscription_id
        self.resources = ResourceManagementClient(credential, subscription_id, **client_kwargs)
        self.compute = ComputeManagementClient(credential, subscription_id, **client_kwargs)
        self.databricks = AzureDatabricksManagementClient(
            credential, subscription_id, **client_kwargs
        )

    def register_providers(self) -> None:
        for namespace in PROVIDERS:
            self.resources.providers.register(namespace)

    def offered_regions(self) -> list[str]:
        """The lab's regions where Databricks workspaces and virtual machines are offered."""
        offered = None
        for namespace, kind in (("Microsoft.Databricks", "workspaces"),
                                ("Microsoft.Compute", "virtualMachines")):  # fmt: skip
            provider = self.resources.providers.get(namespace)
            here = {
                _region(location)
                for rt in provider.resource_types or []
                if (rt.resource_type or "").lower() == kind.lower()
                for location in rt.locations or []
            }
            offered = here if offered is None else offered & here
        return [r for r in LAB_REGIONS if r in (offered or set())]

    def sku_problem(self, region: str) -> str | None:
        """Why ``Standard_D4ds_v5`` cannot be used in ``region``, or None."""
        skus = [
            sku
            for sku in self.compute.resource_skus.list(filter=f"location eq '{region}'")
            if sku.resource_type == "virtualMachines" and sku.name == NODE_SKU
        ]
        if not skus:
            return f"{NODE_SKU} is not offered"
        restrictions = [r for sku in skus for r in sku.restrictions or []]
        if restrictions:
            code = restrictions[0].reason_code
            return f"{NODE_SKU} is restricted ({getattr(code, 'value', code)})"
        return None

    def free_vcpus(self, region: str) -> int:
        for usage in self.compute.usage.list(region):
            if usage.name and usage.name.value == QUOTA_FAMILY:
                return int(usage.limit) - int(usage.current_value)
        return 0

    def create(self, region: str, suffix: str) -> Provisioned:
        from azure.mgmt.databricks.models import ComputeMode, Sku, Workspace

        group, name = f"msl-{suffix}", f"databricks-{suffix}"
        self.resources.resource_groups.create_or_update(group, {"location": region})
        managed = f"/subscriptions/{self.subscription_id}/resourceGroups/databricks-rg-{name}"
        workspace = self.databricks.workspaces.begin_create_or_update(
            group,
            name,
            # The API's 2026-01-01 version requires a compute mode on create; the lab's classic
            # clusters need Hybrid, which also requires the managed resource group.
            Workspace(
                location=region,
                sku=Sku(name="premium"),
                compute_mode=ComputeMode.HYBRID,
                managed_resource_group_id=managed,
            ),
        ).result()
        url = getattr(workspace, "workspace_url", None) or getattr(
            getattr(workspace, "properties", None), "workspace_url", None
        )
        return Provisioned(self.subscription_id, group, name, region, url)


def provision_azure(
    provisioner: AzureProvisioner,
    *,
    region: str | None = None,
    suffix: str | None = None,
    rng: random.Random | None = None,
    say: Callable[[str], None] = print,
) -> Provisioned:
    """Pick a region with room for the lab and create the resource group and workspace."""
    rng = rng or random.Random()
    suffix = suffix or "".join(secrets.choice(string.ascii_lowercase + string.digits)
                               for _ in range(7))  # fmt: skip
    say("Registering resource providers…")
    provisioner.register_providers()
    candidates = provisioner.offered_regions()
    if not candidates:
        raise ProvisionError(
            f"None of the lab's regions ({', '.join(LAB_REGIONS)}) offers Azure Databricks "
            "and virtual machines to this subscription."
        )
    rng.shuffle(candidates)
    if region:
        if region not in candidates:
            raise ProvisionError(
                f"{region} is not one of the usable regions: {', '.join(candidates)}."
            )
        candidates.remove(region)
        candidates.insert(0, region)
    tried = []
    for candidate in candidates:
        say(f"Trying {candidate}…")
        problem = provisioner.sku_problem(candidate)
        if problem is None and (free := provisioner.free_vcpus(candidate)) < VCPUS_NEEDED:
            problem = f"{free} DDSv5 vCPUs free, the lab needs {VCPUS_NEEDED}"
        if problem:
            say(f"{candidate} has insufficient capacity: {problem}.")
            tried.append(f"{candidate} ({problem})")
            continue
        say(f"Creating msl-{suffix} and the Premium workspace databricks-{suffix} in {candidate}…")
        return provisioner.create(candidate, suffix)
    raise ProvisionError(
        "No region has room for the lab: " + "; ".join(tried) + ". Ask for more "
        "'Standard DDSv5 Family vCPUs' quota, or create the workspace in the Azure portal."
    )


if __name__ == "__main__":  # the command line is grader's own: ``grader provision azure``
    from grader.cli import provision_azure as command

    command()
