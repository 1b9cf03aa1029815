"""infra/terraform against what the rest of the repository expects of the infrastructure: the
namespaces, secrets, database, region and ports of k8s/ and harness/deploy.py, the registry the
pipeline and its docs name, dev and prd sharing nothing but that registry, and the pipeline's
infrastructure stages planning every root and environment.

Each check returns its problems in words; empty means infra/ and the rest agree. The checks read
the environments from the root that calls modules/environment: one per values file of that root
(<name>.tfvars), named by its `environment` value, as k8s/overlays names them. Every value is
the one that environment's file gives, and every message names the line of that file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from harness import deploy
from harness.common import kube
from harness.common.paths import ROOT
from harness.iac.rules import shown
from harness.iac.tree import Block, Config, Infra, TfFile, literal
from harness.pipeline.model import all_jobs, job_steps, load, script_of, tox_envs_called

MODULE = "modules/environment"
POSTGRES_COMPONENT = "components/postgres"
SHARED_DATA = {"azurerm_container_registry"}  # the only thing an environment reads of another
DEPLOY_ARGS = re.compile(r"--overlay\s+(\S+)\s+--namespace\s+(\S+)")
CLOUDAPP_HOST = re.compile(r"^[a-z0-9-]+\.([a-z0-9]+)\.cloudapp\.azure\.com$")
TERRAFORM_SCRIPT = re.compile(r"harness/iac/ci_terraform\.sh\s+(plan|apply)\s+(\S+)")


@dataclass
class Environment:
    name: str  # dev, prd: the overlay's name
    root: Config
    call: Block  # the root's module "environment" block
    infra: Infra
    values: TfFile | None  # its values file, <name>.tfvars (None: a root of its own)

    @property
    def key(self) -> str | None:
        """The name of its values and backend files (dev of dev.tfvars)."""
        return self.values.stem if self.values else None

    def _resolved(self, name: str):
        raw, where = self.call.body.get(name), self.call.where(name)
        return self.infra.resolve(self.root, raw, where, self.key)[0]

    def arg(self, *path: str):
        """The value of an argument of the module call in this environment (None when absent):
        its literal, or what this environment's values file gives the variable it names."""
        value = self._resolved(path[0]).value
        for key in path[1:]:
            value = value.get(key) if isinstance(value, dict) else None
        return value

    def where(self, name: str) -> str:
        """file:line where this environment's value of an argument is set."""
        return self._resolved(name).where

    @property
    def overlay(self) -> Path:
        return ROOT / "k8s" / "overlays" / self.name


def environments(infra: Infra) -> list[Environment]:
    found = []
    for root in infra.roots:
        for call in root.of_kind("module"):
            if str(literal(call.body.get("source"))).endswith(MODULE):
                for values in sorted(root.values_files.values(), key=lambda f: f.name) or [None]:
                    env = Environment("", root, call, infra, values)
                    env.name = str(env.arg("environment"))
                    found.append(env)
    return found


def _environment_roots(infra: Infra) -> list[Config]:
    return list({env.root.path: env.root for env in environments(infra)}.values())


def _kustomization(env: Environment) -> dict:
    """The environment's overlay, read; {} when it has none (a check says so)."""
    try:
        return kube.kustomization(env.overlay)
    except kube.RenderError:
        return {}


def _in_cluster_database(env: Environment) -> bool:
    components = _kustomization(env).get("components") or []
    return any(str(c).rstrip("/").endswith(POSTGRES_COMPONENT) for c in components)


def _yaml(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if isinstance(d, dict)]


def _postgres_component() -> tuple[dict, dict]:
    """(the in-cluster PostgreSQL container's env and image, its Service) of k8s/components."""
    folder = ROOT / "k8s" / POSTGRES_COMPONENT
    statefulset = _yaml(folder / "statefulset.yaml")[0]
    container = statefulset["spec"]["template"]["spec"]["containers"][0]
    env = {item["name"]: item.get("value") for item in container.get("env", [])}
    env["image"] = container["image"]
    return env, _yaml(folder / "service.yaml")[0]


def _deploy_namespaces() -> dict[str, str]:
    """overlay -> namespace, as the pipeline's deploy steps pass them to harness/deploy.py."""
    found = {}
    pipeline = load(ROOT)
    for stage in pipeline.stages:
        for job in stage.get("jobs") or []:
            for step in job_steps(job):
                text = script_of(step)
                if "deploy" in tox_envs_called(text):
                    found |= dict(DEPLOY_ARGS.findall(text))
    return found


# --- the checks ------------------------------------------------------------------------------


def check_namespaces(infra: Infra) -> list[str]:
    """Each environment's namespace is its overlay's and the one the pipeline deploys to."""
    problems = []
    deployed = _deploy_namespaces()
    for env in environments(infra):
        namespace = env.arg("namespace")
        overlay = _kustomization(env).get("namespace")
        if overlay is None:
            problems.append(
                f"{env.where('environment')}: environment {shown(env.name)} has no "
                f"overlay k8s/overlays/{env.name}"
            )
        elif namespace != overlay:
            problems.append(
                f"{env.where('namespace')}: namespace {shown(namespace)} of {env.name}, but "
                f"k8s/overlays/{env.name} deploys to {shown(overlay)}"
            )
        if deployed.get(env.name) not in (None, namespace):
            problems.append(
                f"{env.where('namespace')}: namespace {shown(namespace)} of {env.name}, but the "
                f"pipeline deploys overlay {env.name} to {shown(deployed[env.name])}"
            )
    return problems


def expected_secrets(env: Environment) -> list[str]:
    """The key vault secrets an environment's deploy reads: harness/deploy.py's variables (the
    optional ones where the database runs in the cluster), with dashes for underscores, since a
    Key Vault name holds only letters, digits and dashes."""
    keys = list(deploy.SECRET_KEYS)
    if _in_cluster_database(env):
        keys += deploy.OPTIONAL_SECRET_KEYS
    return [key.replace("_", "-") for key in keys]


def check_secret_names(infra: Infra) -> list[str]:
    """Each vault holds exactly the secrets its environment's deploy expects."""
    problems = []
    for env in environments(infra):
        names = env.arg("secret_names") or []
        expected = expected_secrets(env)
        if sorted(names) != sorted(expected):
            problems.append(
                f"{env.where('secret_names')}: the {env.name} key vault holds {shown(names)}, but "
                f"the deploy of {env.name} reads {shown(expected)} (harness/deploy.py SECRET_KEYS"
                f"{' and OPTIONAL_SECRET_KEYS' if _in_cluster_database(env) else ''}, "
                "k8s/create-secrets.sh, with dashes for underscores)"
            )
    referenced = _secret_keys_referenced()
    for key in (*deploy.SECRET_KEYS, *deploy.OPTIONAL_SECRET_KEYS):
        if key not in referenced:
            problems.append(
                f"harness/deploy.py creates the Secret key {key}, which no secretKeyRef of k8s/ "
                "reads: the vault and the manifests disagree on the deploy's secrets"
            )
    return problems


def _secret_keys_referenced() -> set[str]:
    keys: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            if "secretKeyRef" in node:
                keys.add(node["secretKeyRef"].get("key"))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for path in (ROOT / "k8s").rglob("*.yaml"):
        for doc in _yaml(path):
            walk(doc)
    return keys


def check_database(infra: Infra) -> list[str]:
    """The database name and user, the in-cluster Service and the PostgreSQL major version are
    those of k8s/components/postgres (dev's database; prd's DATABASE_URL names the same one)."""
    problems = []
    env_vars, service = _postgres_component()
    major = env_vars["image"].rsplit(":", 1)[-1].split(".")[0]
    for env in environments(infra):
        where = env.where("database")
        if env.arg("database", "name") != env_vars.get("POSTGRES_DB"):
            problems.append(
                f"{where}: {env.name}'s database is {shown(env.arg('database', 'name'))}, but "
                f"the API's database is {shown(env_vars.get('POSTGRES_DB'))} (POSTGRES_DB of "
                "k8s/components/postgres/statefulset.yaml)"
            )
        if _in_cluster_database(env):
            problems += _in_cluster(env, env_vars, service)
        elif env.arg("postgresql", "version") != major:
            problems.append(
                f"{env.where('postgresql')}: {env.name} runs PostgreSQL "
                f"{env.arg('postgresql', 'version')}, but dev's in-cluster database runs {major} "
                f"({env_vars['image']}): the migrations are tested on one major version"
            )
    return problems


def _in_cluster(env: Environment, env_vars: dict, service: dict) -> list[str]:
    problems = []
    where = env.where("database")
    if env.arg("database", "user") != env_vars.get("POSTGRES_USER"):
        problems.append(
            f"{where}: {env.name}'s database user is {shown(env.arg('database', 'user'))}, but the "
            f"in-cluster PostgreSQL creates {shown(env_vars.get('POSTGRES_USER'))} (POSTGRES_USER)"
        )
    name = service["metadata"]["name"]
    ports = [p["port"] for p in service["spec"]["ports"]]
    if env.arg("database", "in_cluster_service") != name or 5432 not in ports:
        problems.append(
            f"{where}: DATABASE-URL of {env.name} points at Service "
            f"{shown(env.arg('database', 'in_cluster_service'))} port 5432, but the in-cluster "
            f"PostgreSQL is Service {shown(name)} on ports {ports} (k8s/components/postgres)"
        )
    return problems


def registry_name(infra: Infra) -> tuple[str | None, str | None, str]:
    """(registry name, resource group, where) of the shared registry."""
    for block in infra.resources("azurerm_container_registry"):
        names = infra.values(block, "name")
        groups = block.config.of_kind("resource", "azurerm_resource_group")
        group = literal(groups[0].body.get("name")) if groups else None
        return names[0].value, group, names[0].where
    return None, None, "infra/terraform"


def check_registry(infra: Infra) -> list[str]:
    """The registry the pipeline pushes to (ACR_LOGIN_SERVER of users-api-build, as
    docs/pipeline.md and azure-pipelines.yml name it) is the shared root's, and each
    environment looks up that very registry."""
    name, group, where = registry_name(infra)
    if name is None:
        return ["infra/terraform: no azurerm_container_registry: the pipeline pushes to ACR"]
    server = f"{name}.azurecr.io"
    problems = []
    for path, marker in (
        ("docs/pipeline.md", "`users-api-build`"),
        ("azure-pipelines.yml", "group: users-api-build"),
    ):
        lines = [line for line in (ROOT / path).read_text().splitlines() if marker in line]
        if not any(server in line for line in lines):
            problems.append(
                f"{where}: the registry is {server}, but {path} does not give it as "
                f"ACR_LOGIN_SERVER of users-api-build: {lines[0].strip() if lines else 'no line'}"
            )
    for root in _environment_roots(infra):
        for data in root.of_kind("data", "azurerm_container_registry"):
            found = (literal(data.body.get("name")), literal(data.body.get("resource_group_name")))
            if found != (name, group):
                problems.append(
                    f"{data.where()}: the environments look up registry {found}, but the shared "
                    f"registry is {(name, group)} ({where})"
                )
    return problems


def check_region_and_ports(infra: Infra) -> list[str]:
    """An environment whose overlay names its host in <region>.cloudapp.azure.com runs in that
    region; the nodes let in exactly the ports of the API's Service; an overlay that spreads
    pods across zones gets nodes in several zones."""
    problems = []
    service = _yaml(ROOT / "k8s" / "base" / "service.yaml")[0]
    ports = sorted(p["port"] for p in service["spec"]["ports"])
    for env in environments(infra):
        for literal_ in _config_literals(env):
            if literal_.startswith("DJANGO_ALLOWED_HOSTS="):
                for host in literal_.split("=", 1)[1].split(","):
                    region = CLOUDAPP_HOST.match(host.strip())
                    if region and region.group(1) != env.arg("location"):
                        problems.append(
                            f"{env.where('location')}: {env.name} runs in "
                            f"{shown(env.arg('location'))}, but its overlay serves {host} "
                            f"(DJANGO_ALLOWED_HOSTS), a name of region {shown(region.group(1))}"
                        )
        if sorted(env.arg("service_ports") or []) != ports:
            problems.append(
                f"{env.where('service_ports')}: {env.name} opens ports "
                f"{env.arg('service_ports')}, the API's Service listens on {ports} "
                "(k8s/base/service.yaml)"
            )
        spreads = any("topology.kubernetes.io/zone" in p.read_text() for p in env.overlay.glob("*"))
        if spreads and len(env.arg("node_pools", "zones") or []) < 2:
            problems.append(
                f"{env.where('node_pools')}: k8s/overlays/{env.name} spreads the API across "
                "availability zones, but its node pools are in fewer than two zones"
            )
    return problems


def _config_literals(env: Environment) -> list[str]:
    generators = _kustomization(env).get("configMapGenerator") or []
    return [str(item) for gen in generators for item in gen.get("literals") or []]


def check_apart(infra: Infra) -> list[str]:
    """dev and prd share no resource group, cluster (so no node pool), key vault, database or
    address range; neither reads the other's resources or state; prd has its uptime SLA."""
    problems = []
    envs = environments(infra)
    for argument in (
        "name",
        "key_vault_name",
        ("postgresql", "server_name"),
        ("network", "address_space"),
    ):
        path = argument if isinstance(argument, tuple) else (argument,)
        seen: dict[object, str] = {}
        for env in envs:
            value = env.arg(*path)
            if value is not None and value in seen:
                problems.append(
                    f"{env.where(path[0])}: {'.'.join(path)} {shown(value)} of {env.name} is also "
                    f"{seen[value]}'s: dev and prd share no resource group, cluster, node "
                    "pool, key vault or database"
                )
            seen.setdefault(value, env.name)
    for root in _environment_roots(infra):
        for data in root.of_kind("data"):
            if data.labels[0] not in SHARED_DATA:
                problems.append(
                    f"{data.where()}: the environments read {data.address}: an environment "
                    "reads nothing of another but the shared registry"
                )
    for env in envs:
        if env.name == "prd" and env.arg("cluster_sku_tier") == "Free":
            problems.append(
                f"{env.where('cluster_sku_tier')}: prd's cluster runs without the "
                "uptime SLA (cluster_sku_tier Free)"
            )
    return problems


# What the pipeline's set-up reads of each root (docs/infrastructure.md, "Outputs").
REGISTRY_OUTPUTS = ("registry_login_server",)
ENVIRONMENT_OUTPUTS = ("resource_group_name", "cluster_name", "key_vault_name")


def check_outputs(infra: Infra) -> list[str]:
    """The registry's root gives ACR_LOGIN_SERVER, each environment's root its resource group,
    cluster and key vault: what the service connections and variable groups are set up with."""
    wanted = {env.root.path: (env.root, ENVIRONMENT_OUTPUTS) for env in environments(infra)}
    for registry in infra.resources("azurerm_container_registry"):
        wanted[registry.config.path] = (registry.config, REGISTRY_OUTPUTS)
    problems = []
    for root, names in wanted.values():
        have = {output.labels[0] for output in root.of_kind("output")}
        problems += [
            f"{root.folder}: no output {name}, which the pipeline's "
            "set-up reads (docs/infrastructure.md, Outputs)"
            for name in names
            if name not in have
        ]
    return problems


def terraform_targets(infra: Infra) -> dict[str, str]:
    """What the pipeline's Terraform script plans and applies (harness/iac/ci_terraform.sh plan
    NAME): each environment, by the name of its values file, and each root of its own (shared),
    by its folder; name -> the file or folder that makes it one."""
    targets = {}
    for root in infra.roots:
        for name, values in root.values_files.items():
            targets[name] = values.name
        if not root.values_files:
            targets[root.path.name] = str(root.path.relative_to(infra.infra.parent))
    return targets


def pipeline_terraform_calls(root: Path = ROOT) -> dict[str, dict[str, str]]:
    """plan and apply -> name -> the stage and job whose script runs ci_terraform.sh on it."""
    calls: dict[str, dict[str, str]] = {"plan": {}, "apply": {}}
    for stage, job in all_jobs(load(root)):
        for step in job_steps(job):
            for command, name in TERRAFORM_SCRIPT.findall(script_of(step)):
                where = f"stage {stage.get('stage')}, job {job.get('job') or job.get('deployment')}"
                calls[command][name] = where
    return calls


def check_environments(infra: Infra) -> list[str]:
    """Each values file is the environment it is named after (environment = "dev" in dev.tfvars),
    and the pipeline's infrastructure stages plan and apply every environment and every root of
    its own, and nothing else (pipelines/templates/stages/terraform.yml)."""
    problems = []
    for env in environments(infra):
        if env.key is not None and env.name != env.key:
            problems.append(
                f"{env.where('environment')}: {env.values.name} describes environment "
                f"{shown(env.name)}: the pipeline plans {env.key} with {env.key}.tfvars and "
                f"{env.key}.backend.hcl, so name the file after its environment"
            )
    targets = terraform_targets(infra)
    for command, called in pipeline_terraform_calls().items():
        for name, source in targets.items():
            if name not in called:
                problems.append(
                    f"{source}: no stage of the pipeline runs `ci_terraform.sh {command} {name}`: "
                    f"{name} would never be {command}ed (azure-pipelines.yml, one "
                    "pipelines/templates/stages/terraform.yml stage per root and environment)"
                )
        for name, where in called.items():
            if name not in targets:
                problems.append(
                    f"azure-pipelines.yml: {where} runs `ci_terraform.sh {command} {name}`, but "
                    f"{name} is no environment values file nor root of infra/terraform "
                    f"({', '.join(sorted(targets))})"
                )
    return problems


CHECKS = {
    "namespaces": check_namespaces,
    "secret names": check_secret_names,
    "database": check_database,
    "registry": check_registry,
    "region and ports": check_region_and_ports,
    "dev and prd apart": check_apart,
    "outputs": check_outputs,
    "environments": check_environments,
}
