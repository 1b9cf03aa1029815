"""Every .tf and .tfvars file of infra/terraform parses with python-hcl2, and the tree holds what
the pipeline deploys to: one root per environment and the shared one, each with its own state."""

from harness.iac.tree import UNKNOWN, Infra, literal


def test_every_file_parses(tree):
    assert tree.errors == [], "\n".join(tree.errors)
    names = [f.name for f in tree.all_files]
    print(f"python-hcl2 parsed {len(names)} files: {', '.join(names)}")
    assert any(n.endswith(".tfvars") for n in names)
    assert sum(n.endswith(".tf") for n in names) >= 10


def test_a_root_per_environment_and_the_shared_one(tree):
    roots = {c.path.name: c.backend.body for c in tree.roots}
    assert sorted(roots) == ["dev", "prd", "shared"]
    print({name: literal(body["key"]) for name, body in roots.items()})


def test_a_value_is_followed_to_the_root_that_sets_it(tree):
    cluster = tree.resources("azurerm_kubernetes_cluster")[0]
    versions = tree.values(cluster, "kubernetes_version")
    assert {v.where.split(":")[0] for v in versions} == {
        "infra/terraform/dev/main.tf",
        "infra/terraform/prd/main.tf",
    }
    # An expression that is not a plain variable or local stays unknown.
    vault = tree.resources("azurerm_key_vault")[0]
    assert tree.values(vault, "tenant_id")[0].value is UNKNOWN
    assert literal('"a \\"quoted\\" word"') == 'a "quoted" word'


def test_a_file_that_does_not_parse_is_named(copy):
    path = copy.root / "infra/terraform/dev/main.tf"
    path.write_text(path.read_text().replace('  name        = "users-api-dev"\n', "  name = {\n"))
    errors = Infra(copy.root / "infra").errors
    assert len(errors) == 1
    assert errors[0].startswith("infra/terraform/dev/main.tf: not valid HCL")
