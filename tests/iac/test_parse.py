"""Every .tf, .tfvars and .backend.hcl file of infra/terraform parses with python-hcl2, and the
tree holds what the pipeline deploys to: one root for every environment, each environment with
its values file and its own state, and the shared root."""

from harness.iac.tree import UNKNOWN, Infra, literal


def test_every_file_parses(tree):
    assert tree.errors == [], "\n".join(tree.errors)
    names = [f.name for f in tree.all_files]
    print(f"python-hcl2 parsed {len(names)} files: {', '.join(names)}")
    assert any(n.endswith(".tfvars") for n in names)
    assert sum(n.endswith(".tf") for n in names) >= 10


def test_one_root_for_the_environments_and_the_shared_one(tree):
    roots = {c.path.name: c for c in tree.roots}
    assert sorted(roots) == ["environment", "shared"]
    environment = roots["environment"]
    assert sorted(environment.values_files) == sorted(environment.backend_files) == ["dev", "prd"]
    assert "key" not in environment.backend.body  # each environment's is in its backend file
    keys = {name: environment.backend_settings(name)["key"][0] for name in environment.values_files}
    keys["shared"] = roots["shared"].backend_settings()["key"][0]
    assert keys == {"dev": "dev.tfstate", "prd": "prd.tfstate", "shared": "shared.tfstate"}
    print(keys)


def test_a_value_is_followed_to_the_values_file_that_sets_it(tree):
    cluster = tree.resources("azurerm_kubernetes_cluster")[0]
    versions = tree.values(cluster, "kubernetes_version")
    assert [v.where for v in versions] == [
        "infra/terraform/environment/dev.tfvars:10",
        "infra/terraform/environment/prd.tfvars:10",
    ]
    # An attribute of an object is found on its own line, once per environment.
    zones = tree.values(cluster, "default_node_pool", "zones")
    assert [(z.value, z.where) for z in zones] == [
        (["1"], "infra/terraform/environment/dev.tfvars:14"),
        (["1", "2", "3"], "infra/terraform/environment/prd.tfvars:14"),
    ]
    # Where no values file sets it, the root's default: dev has no managed database.
    server = tree.resources("azurerm_postgresql_flexible_server")[0]
    days = tree.values(server, "backup_retention_days")
    assert [d.value for d in days] == [None, 14]
    # An expression that is not a plain variable or local stays unknown.
    vault = tree.resources("azurerm_key_vault")[0]
    assert tree.values(vault, "tenant_id")[0].value is UNKNOWN
    assert literal('"a \\"quoted\\" word"') == 'a "quoted" word'


def test_a_file_that_does_not_parse_is_named(copy):
    path = copy.root / "infra/terraform/environment/dev.tfvars"
    path.write_text(path.read_text().replace('name        = "users-api-dev"\n', "name = {\n"))
    errors = Infra(copy.root / "infra").errors
    assert len(errors) == 1
    assert errors[0].startswith("infra/terraform/environment/dev.tfvars: not valid HCL")
