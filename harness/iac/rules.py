"""Rules of infra/terraform that the gate checks itself, beyond checkov's policies: each says in
words what is wrong, where (file:line of the value, and the resource it reaches), and what to
do. Each takes the parsed tree (harness/iac/tree.py) and returns its problems; empty means the
rule holds. The tests run every rule on the committed tree and on broken copies of it.
"""

from __future__ import annotations

import json
import re

from harness.common import secret_scan
from harness.iac.tree import UNKNOWN, Block, Infra, Resolved, literal
from harness.manifests.versions import TARGET_VERSIONS

CLUSTER = "azurerm_kubernetes_cluster"
NODE_POOL = "azurerm_kubernetes_cluster_node_pool"
POSTGRESQL = "azurerm_postgresql_flexible_server"
ENFORCING_POLICIES = ("azure", "calico", "cilium")
# Arguments that hold a secret, whatever the resource (administrator_password, client_secret,
# primary_access_key, ...), and the value of a key vault secret.
SECRET_ARGUMENT = re.compile(
    r"(^|_)(password|passwd|secret|token|api_key|access_key|private_key|connection_string)(_wo)?$"
)
SECRET_VALUES = {"azurerm_key_vault_secret": ("value", "value_wo")}
SECRET_VARIABLE = re.compile(r"password|passwd|secret|token|private_key|api_key", re.IGNORECASE)


def shown(value) -> str:
    """A value as the messages show it, in Terraform's notation: true, "1.34", ["a"], not set."""
    if value is None or value is UNKNOWN:
        return "not set" if value is None else "unknown"
    return json.dumps(value)


def _bad(resolved: Resolved, block: Block, *path: str) -> str:
    """`file:line: resource.address argument`: where a value was set, and what it reaches."""
    argument = ".".join(path)
    if resolved.where == block.where(*path):
        return f"{resolved.where}: {block.address}: {argument}"
    return f"{resolved.where}: {block.address} ({block.where(*path)}): {argument}"


# --- the cluster -----------------------------------------------------------------------------


def _version_problem(value) -> str | None:
    if value is None:
        return "not set, so AKS would pick its newest version, which k8s/ may not be validated for"
    if value is UNKNOWN:
        return "unknown without running Terraform; give it as a literal minor version"
    minor = ".".join(str(value).split(".")[:2])
    if minor in TARGET_VERSIONS:
        return None
    return (
        f"{shown(value)}: AKS {minor} is not a version the manifests gate validates k8s/ against "
        f"(TARGET_VERSIONS in harness/manifests/versions.py: {', '.join(TARGET_VERSIONS)}); use "
        "one of them, or add it there first so that the manifests are checked against it"
    )


def check_kubernetes_versions(infra: Infra) -> list[str]:
    """Every cluster and node pool runs a Kubernetes minor version the manifests gate targets.
    One problem per value, naming every argument it reaches."""
    arguments = [(b, ("kubernetes_version",)) for b in infra.resources(CLUSTER)]
    arguments += [
        (b, ("default_node_pool", "orchestrator_version")) for b in infra.resources(CLUSTER)
    ]
    arguments += [(b, ("orchestrator_version",)) for b in infra.resources(NODE_POOL)]
    found: dict[tuple[str, str], list[str]] = {}
    for block, path in arguments:
        for resolved in infra.values(block, *path):
            why = _version_problem(resolved.value)
            if why:
                found.setdefault((resolved.where, why), []).append(
                    f"{block.address} {'.'.join(path)} ({block.where(*path)})"
                )
    return [
        f"{where}: the Kubernetes version is {why} (it sets {'; '.join(reached)})"
        for (where, why), reached in found.items()
    ]


def _expect(infra: Infra, block: Block, path: tuple[str, ...], wanted, why: str) -> list[str]:
    """Problems where an argument does not resolve to `wanted` (None: it must be set at all)."""
    problems = []
    for resolved in infra.values(block, *path):
        value = resolved.value
        ok = value is not None and value is not False if wanted is None else value == wanted
        if not ok:
            problems.append(f"{_bad(resolved, block, *path)} is {shown(value)}: {why}")
    return problems


def check_clusters(infra: Infra) -> list[str]:
    """NetworkPolicies enforced, workload identity, autoscaling pools, Container Insights."""
    problems = []
    for cluster in infra.resources(CLUSTER):
        for resolved in infra.values(cluster, "network_profile", "network_policy"):
            if resolved.value not in ENFORCING_POLICIES:
                problems.append(
                    f"{_bad(resolved, cluster, 'network_profile', 'network_policy')} is "
                    f"{shown(resolved.value)}: without a network policy engine "
                    f"({', '.join(ENFORCING_POLICIES)}) the NetworkPolicies of k8s/ are not "
                    "enforced and every pod can reach the database"
                )
            if resolved.value == "cilium":
                problems += _expect(
                    infra,
                    cluster,
                    ("network_profile", "network_data_plane"),
                    "cilium",
                    "the cilium network policy runs only on the cilium data plane",
                )
        identity = "workload identity needs the cluster's OIDC issuer and the webhook"
        problems += _expect(infra, cluster, ("oidc_issuer_enabled",), True, identity)
        problems += _expect(infra, cluster, ("workload_identity_enabled",), True, identity)
        problems += _expect(
            infra,
            cluster,
            ("oms_agent", "log_analytics_workspace_id"),
            None,
            "the cluster's monitoring (Container Insights) goes to the Log Analytics workspace",
        )
        problems += _autoscaling(infra, cluster, ("default_node_pool",))
    for pool in infra.resources(NODE_POOL):
        problems += _autoscaling(infra, pool, ())
    return problems


def _autoscaling(infra: Infra, block: Block, pool: tuple[str, ...]) -> list[str]:
    why = "the cluster autoscaler adds nodes when the HPA adds pods (k8s/base/hpa.yaml)"
    problems = _expect(infra, block, (*pool, "auto_scaling_enabled"), True, why)
    for bound in ("min_count", "max_count"):
        problems += _expect(infra, block, (*pool, bound), None, f"{why}, within its bounds")
    return problems


# --- data: the database, the registry, the vault -----------------------------------------------


def check_postgresql(infra: Infra) -> list[str]:
    """Private access only, TLS required, backups kept."""
    problems = []
    for server in infra.resources(POSTGRESQL):
        for resolved in infra.values(server, "public_network_access_enabled"):
            if resolved.value is not False:
                shown = "not set (Azure's default is true)" if resolved.value is None else "true"
                problems.append(
                    f"{_bad(resolved, server, 'public_network_access_enabled')} is {shown}: the "
                    "database would accept connections from the internet; set it to false, so it "
                    "is reached only through its delegated subnet and private DNS zone"
                )
        for path in (("delegated_subnet_id",), ("private_dns_zone_id",)):
            problems += _expect(infra, server, path, None, "private access needs both")
        for resolved in infra.values(server, "backup_retention_days"):
            days = resolved.value
            if resolved.known and days is not None and not 7 <= days <= 35:
                problems.append(f"{_bad(resolved, server, 'backup_retention_days')} is {days}")
        problems += _secure_transport(server)
    return problems


def _secure_transport(server: Block) -> list[str]:
    for setting in server.config.of_kind("resource", f"{POSTGRESQL}_configuration"):
        named = literal(setting.body.get("name")) == "require_secure_transport"
        if named and server.address in str(setting.body.get("server_id")):
            if literal(setting.body.get("value")) == "on":
                return []
            return [
                f"{setting.where('value')}: {setting.address}: require_secure_transport is "
                f"{shown(literal(setting.body.get('value')))}: the server must refuse connections "
                'without TLS (DATABASE_URL uses sslmode=require); set it to "on"'
            ]
    return [
        f"{server.where()}: {server.address}: no azurerm_postgresql_flexible_server_configuration "
        'sets require_secure_transport to "on" for it: it would accept connections without TLS'
    ]


def check_registries(infra: Infra) -> list[str]:
    """No admin user, no anonymous pull; each cluster pulls with AcrPull on its kubelet."""
    problems = []
    for registry in infra.resources("azurerm_container_registry"):
        for resolved in infra.values(registry, "admin_enabled"):
            if resolved.value not in (None, False):
                problems.append(
                    f"{_bad(resolved, registry, 'admin_enabled')} is {shown(resolved.value)}: the "
                    "registry's admin user is one shared password that can push and pull every "
                    "image; disable it (the clusters pull with AcrPull on their kubelet identity, "
                    "Build pushes through the users-acr service connection)"
                )
        for resolved in infra.values(registry, "anonymous_pull_enabled"):
            if resolved.value not in (None, False):
                problems.append(
                    f"{_bad(resolved, registry, 'anonymous_pull_enabled')} is true: anyone "
                    "could pull the API's images"
                )
    for cluster in infra.resources(CLUSTER):
        grants = [
            b
            for b in cluster.config.of_kind("resource", "azurerm_role_assignment")
            if literal(b.body.get("role_definition_name")) == "AcrPull"
            and "kubelet_identity" in str(b.body.get("principal_id"))
        ]
        if not grants:
            problems.append(
                f"{cluster.where()}: {cluster.address}: no AcrPull role assignment for its "
                "kubelet identity, so it cannot pull the API's image from the registry"
            )
    return problems


def check_key_vaults(infra: Infra) -> list[str]:
    """Purge protection, soft delete and Entra ID RBAC (no access policies) on every vault."""
    problems = []
    for vault in infra.resources("azurerm_key_vault"):
        for argument, why in (
            ("purge_protection_enabled", "a deleted vault or secret must stay recoverable"),
            ("rbac_authorization_enabled", "access is granted with Entra ID roles, audited"),
        ):
            problems += _expect(infra, vault, (argument,), True, why)
        if vault.get("access_policy"):
            problems.append(
                f"{vault.where('access_policy')}: {vault.address}: access_policy "
                "blocks grant access outside RBAC; use role assignments"
            )
    return problems


# --- secrets ---------------------------------------------------------------------------------


def _walk(node, path=()):
    """(argument path, raw value) of every argument of a block body, nested blocks included."""
    if isinstance(node, list):
        for item in node:
            yield from _walk(item, path)
    elif isinstance(node, dict):
        for key, value in node.items():
            if not key.startswith("__"):
                yield (*path, key), value
                yield from _walk(value, (*path, key))


def _secret_arguments(block: Block) -> list[str]:
    problems = []
    secret_values = SECRET_VALUES.get(block.labels[0] if block.labels else "", ())
    for path, raw in _walk(block.body):
        name = path[-1]
        if not (SECRET_ARGUMENT.search(name) or (len(path) == 1 and name in secret_values)):
            continue
        value = literal(raw)
        if isinstance(value, str) and value.strip():
            problems.append(
                f"{block.where(*path)}: {block.address}: {'.'.join(path)} is a literal string: "
                "a secret written in the code; generate it (an ephemeral random_password with a "
                "write-only argument, as modules/environment/key_vault.tf does), never in a file"
            )
    return problems


def check_no_secret_literals(infra: Infra) -> list[str]:
    """No secret in any .tf or .tfvars file: no literal password, key or token, no secret-looking
    default of a variable, nothing that looks like a private key or a password in a URL."""
    problems = []
    for config in infra.configs.values():
        for block in config.blocks:
            if block.kind == "variable":
                default = literal(block.body.get("default"))
                secret = SECRET_VARIABLE.search(block.labels[0]) or block.body.get("sensitive")
                if secret and isinstance(default, str) and default:
                    problems.append(
                        f"{block.where('default')}: {block.address} has a default value: a "
                        "secret written in the code; pass it at plan time or generate it"
                    )
            elif block.kind not in ("output", "terraform"):
                problems += _secret_arguments(block)
        for name, (raw, file) in config.tfvars.items():
            if SECRET_VARIABLE.search(name) and isinstance(literal(raw), str):
                problems.append(
                    f"{file.name}: {name} is set in a tfvars file: a secret in the code"
                )
    for file in infra.all_files:
        problems += secret_scan.found_in(file.name, file.text)
    return sorted(set(problems))


# --- the shape of the configuration ------------------------------------------------------------


def check_variables(infra: Infra) -> list[str]:
    """Every input has a type and a description, and a validation unless it is a bool or a map,
    or a root's input passed unchanged to a module input that validates it."""
    problems = []
    for config in infra.configs.values():
        for variable in config.of_kind("variable"):
            type_ = str(variable.body.get("type", "")).removeprefix("${")
            if not type_:
                problems.append(f"{variable.where()}: {variable.address} has no type")
            if not literal(variable.body.get("description")):
                problems.append(f"{variable.where()}: {variable.address} has no description")
            exempt = type_.startswith(("bool", "map(")) or _validated_by_module(infra, variable)
            if not exempt and not variable.body.get("validation"):
                problems.append(
                    f"{variable.where()}: {variable.address} has no validation block: say which "
                    "values it accepts, so a wrong one fails at plan time with a message"
                )
    return problems


def _validated_by_module(infra: Infra, variable: Block) -> bool:
    """Whether a variable is passed as it is (`x = var.x`) to a module input of the same name
    that has a validation: the module's validation then runs on its values at plan time."""
    name = variable.labels[0]
    for call in variable.config.of_kind("module"):
        source = literal(call.body.get("source"))
        if call.body.get(name) != f"${{var.{name}}}" or not isinstance(source, str):
            continue
        callee = infra.configs.get((variable.config.path / source).resolve())
        target = callee.variable(name) if callee else None
        if target is not None and target.body.get("validation"):
            return True
    return False


def check_roots(infra: Infra) -> list[str]:
    """Each root, and each environment of a root (its <name>.tfvars and <name>.backend.hcl):
    remote state in the one Azure Storage account through Entra ID, its own state key, every
    setting in the code; Terraform and providers pinned, every output described."""
    problems = []
    accounts, keys = set(), {}
    for root in infra.roots:
        backend = root.backend
        if backend.labels != ("azurerm",):
            problems.append(
                f"{backend.where()}: the backend is {shown(backend.labels[0])}, not azurerm"
            )
        if root.values_files and "key" in backend.body:
            problems.append(
                f"{backend.where('key')}: the backend of {root.folder} sets key "
                f"{shown(literal(backend.body['key']))} for all its environments: terraform init "
                "without a backend file would take it for any of them; give each its key in "
                "<name>.backend.hcl only"
            )
        for environment in sorted(root.values_files) or [None]:
            settings = root.backend_settings(environment)
            value = {key: found[0] for key, found in settings.items()}
            problems += _backend(root, environment, settings)
            accounts.add((value.get("resource_group_name"), value.get("storage_account_name")))
            where = settings.get("key", (None, root.backend.where()))[1]
            keys.setdefault(value.get("key"), []).append((environment or root.path.name, where))
        problems += _environment_files(root)
        problems += _pins(root)
        for output in root.of_kind("output"):
            if not literal(output.body.get("description")):
                problems.append(f"{output.where()}: {output.address} has no description")
    if len(accounts) > 1:
        problems.append(f"the roots keep their state in different storage accounts: {accounts}")
    for key, states in keys.items():
        (first, first_where), *others = states
        problems += [
            f"{where}: the state key {shown(key)} of {name} is also {first}'s ({first_where}): "
            "each root and each environment needs a state of its own"
            for name, where in others
        ]
    return problems


def _backend(root, environment: str | None, settings: dict) -> list[str]:
    """The backend of one state as `terraform init` sees it: the root's backend block, and over
    it the environment's backend file."""
    problems = []
    block = root.backend.where()
    of = f" of {environment}" if environment else ""
    for key in ("resource_group_name", "storage_account_name", "container_name", "key"):
        if isinstance(settings.get(key, (None,))[0], str):
            continue
        if environment and key == "key":
            file = root.backend_files.get(environment)
            problems.append(
                f"{file.name if file else block}: the azurerm backend{of} does not set key: "
                f"give each environment its own in {environment}.backend.hcl"
            )
        else:
            problems.append(f"{block}: the azurerm backend{of} does not set {key} in the code")
    if settings.get("use_azuread_auth", (None,))[0] is not True:
        where = settings.get("use_azuread_auth", (None, block))[1]
        problems.append(
            f"{where}: the azurerm backend{of} does not set use_azuread_auth = true: the state "
            "would be read with the storage account's key instead of Entra ID"
        )
    return problems


def _environment_files(root) -> list[str]:
    """A root of several environments: each values file has its backend file and the reverse
    (init and plan of one environment take both), sets every input without a default and only
    inputs the root declares, and no secret."""
    problems = []
    declared = {v.labels[0]: v for v in root.of_kind("variable")}
    for name, values in sorted(root.values_files.items()):
        if name not in root.backend_files:
            problems.append(
                f"{values.name}: no {name}.backend.hcl beside it: {name} has no state key of its "
                f"own (terraform init -backend-config={name}.backend.hcl)"
            )
        given = {key for key in values.doc if not key.startswith("__")}
        for key in sorted(given - set(declared)):
            problems.append(
                f"{values.where(key)}: {key} is no input of {root.folder} (its variables.tf): "
                "Terraform would ignore it with a warning"
            )
        for key in sorted(set(declared) - given):
            if "default" not in declared[key].body:
                problems.append(
                    f"{values.name}: does not set {key}, an input of {root.folder} without a "
                    "default: the plan of this environment would stop"
                )
        for key in sorted(given):
            if SECRET_VARIABLE.search(key) and isinstance(literal(values.doc[key]), str):
                problems.append(f"{values.where(key)}: {key} is set in a tfvars file: a secret")
    for name, file in sorted(root.backend_files.items()):
        if name not in root.values_files:
            problems.append(
                f"{file.name}: no {name}.tfvars beside it: a state without the values of an "
                "environment"
            )
    return problems


def _pins(root) -> list[str]:
    problems = []
    for block in root.of_kind("terraform"):
        if not literal(block.body.get("required_version")):
            problems.append(f"{block.where()}: {root.path.name} does not pin required_version")
        for providers in block.body.get("required_providers") or []:
            for name, spec in providers.items():
                if name.startswith("__"):
                    continue
                version = literal((spec or {}).get("version")) if isinstance(spec, dict) else None
                if not (isinstance(version, str) and "~>" in version):
                    problems.append(
                        f"{block.where('required_providers')}: provider {name} of "
                        f'{root.path.name} is not pinned to a release line (version = "~> X.Y")'
                    )
    return problems


RULES = {
    "kubernetes versions": check_kubernetes_versions,
    "clusters": check_clusters,
    "postgresql": check_postgresql,
    "registries": check_registries,
    "key vaults": check_key_vaults,
    "secret literals": check_no_secret_literals,
    "variables": check_variables,
    "roots": check_roots,
}
