"""checkov's terraform framework over infra/terraform, offline, each environment with its own
values file. Accepted findings are listed, with their reason, in infra/checkov-skips.yaml;
nothing else is skipped."""

from harness.common import checkov
from harness.iac import policy
from harness.iac.tree import INFRA


def test_checkov_terraform():
    failures = policy.scan()
    problems = policy.problems(failures=failures)
    assert not problems, "\n".join(problems)
    accepted = sorted({f["check_id"] for _, f in failures})
    print(f"checkov terraform on infra/terraform; accepted findings: {accepted}")
    for skip in checkov.load_skips(INFRA / policy.SKIPS):
        print(f"  skipped {skip['id']} {skip.get('resources', ['*'])}: {skip['reason']}")


def test_each_environment_is_scanned_with_its_own_values(copy):
    """dev runs the Free tier (CKV_AZURE_170, accepted for dev), prd the Standard tier: the finding
    names dev.tfvars only; with prd's values file on Free it names prd.tfvars too."""

    def paid_tier(infra):
        return sorted(
            w.rsplit(" with ", 1)[-1]
            for w, f in policy.scan(infra)
            if f["check_id"] == "CKV_AZURE_170"
        )

    assert paid_tier(INFRA) == ["dev.tfvars)"]
    copy.replace(
        "infra/terraform/environment/prd.tfvars",
        'cluster_sku_tier   = "Standard"',
        'cluster_sku_tier   = "Free"',
    )
    assert paid_tier(copy.root / "infra") == ["dev.tfvars)", "prd.tfvars)"]


def test_every_skip_has_a_reason_and_is_a_terraform_check():
    for skip in checkov.load_skips(INFRA / policy.SKIPS):
        assert len((skip.get("reason") or "").strip()) >= 40, f"{skip['id']} has no reason"
        assert checkov.framework_of(skip["id"]) == "terraform", skip["id"]


def test_a_finding_no_skip_accepts_fails_and_a_stale_skip_fails():
    finding = {"check_id": "CKV_AZURE_1", "check_name": "x", "resource": "azurerm_x.y"}
    problems = policy.problems(
        failures=[("infra/terraform/a.tf:1", finding)],
    )
    assert (
        "infra/terraform/a.tf:1: azurerm_x.y: checkov CKV_AZURE_1 (x) fails; fix the "
        in (problems[0])
    )
    assert any("CKV_AZURE_6 " in p and "no longer fails; remove the skip" in p for p in problems)


def test_checkov_terraform_framework_runs_offline(tmp_path):
    """checkov needs nothing but its own package: a registry with its admin user fails."""
    (tmp_path / "main.tf").write_text(
        'resource "azurerm_container_registry" "r" {\n  name = "r"\n  sku = "Premium"\n'
        "  admin_enabled = true\n}\n"
    )
    failed = {f["check_id"] for f in checkov.run_checkov("terraform", tmp_path)}
    assert "CKV_AZURE_137" in failed, failed
