"""infra/terraform as data: every .tf, .tfvars and .backend.hcl file parsed with python-hcl2, its
blocks, and the literal value an argument has once its variables are followed to the roots and
values files that set them.

A root may be the root of several environments: each has a values file `<name>.tfvars` (passed
with -var-file) and a backend file `<name>.backend.hcl` (passed to init with -backend-config,
its own state). A value set by such a file is followed once per environment.

No Terraform binary is needed. Values are resolved only as far as the checks need: a literal, or
`var.NAME(.ATTR)*` / `local.NAME` followed to the module call, tfvars file or default that gives
it. Anything else (a function call, a resource attribute) stays unknown, and a check that needs
to know it says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import hcl2
from hcl2.utils import SerializationOptions

from harness.common.paths import ROOT

INFRA = ROOT / "infra"
BLOCK_LABELS = {"resource": 2, "data": 2, "ephemeral": 2, "module": 1, "variable": 1, "output": 1}
BLOCK_LABELS |= {"provider": 1, "locals": 0, "terraform": 0}
REFERENCE = re.compile(r"^\$\{(var|local)\.([A-Za-z_][\w-]*)((?:\.[A-Za-z_][\w-]*)*)\}$")
UNKNOWN = object()  # a value the reader cannot know without running Terraform
_OPTIONS = SerializationOptions(with_comments=False)


class ParseError(Exception):
    pass


def literal(raw):
    """The Python value of a literal as python-hcl2 gives it, UNKNOWN for an expression."""
    if isinstance(raw, str):
        if len(raw) >= 2 and raw[0] == raw[-1] == '"' and "${" not in raw:
            return raw[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        return UNKNOWN
    if isinstance(raw, list):
        return [literal(item) for item in raw]
    if isinstance(raw, dict):
        return {key: literal(value) for key, value in raw.items() if not key.startswith("__")}
    return raw


def unquote(label: str) -> str:
    return label[1:-1] if label.startswith('"') and label.endswith('"') else label


@dataclass
class TfFile:
    path: Path
    name: str  # as the messages name it: infra/terraform/environment/main.tf
    text: str
    doc: dict

    @property
    def stem(self) -> str:
        """dev of dev.tfvars and of dev.backend.hcl."""
        return self.path.name.split(".")[0]

    def where(self, name: str) -> str:
        """file:line of the first `name = ...` of the file."""
        line = self.line_of(rf"^\s*{re.escape(name)}\s*=")
        return f"{self.name}:{line}"

    def line_of(self, pattern: str, start: int = 1) -> int:
        """The first line at or after `start` that matches a regular expression."""
        for number, line in enumerate(self.text.splitlines(), 1):
            if number >= start and re.search(pattern, line):
                return number
        return start


@dataclass
class Block:
    kind: str
    labels: tuple[str, ...]
    body: dict
    file: TfFile
    config: Config

    @property
    def address(self) -> str:
        if self.kind == "resource":
            return ".".join(self.labels)
        if self.kind in ("data", "ephemeral"):
            return ".".join((self.kind, *self.labels))
        return ".".join((self.kind if self.kind != "variable" else "var", *self.labels))

    @property
    def line(self) -> int:
        labels = r"\s+".join(f'"{re.escape(label)}"' for label in self.labels)
        return self.file.line_of(rf"^\s*{self.kind}\s*{labels}\s*\{{")

    def where(self, *path: str) -> str:
        """file:line of this block, or of one of its arguments (nested blocks first)."""
        line = self.line
        for name in path:
            line = self.file.line_of(rf"^\s*{re.escape(name)}\s*(=|\{{)", line)
        return f"{self.file.name}:{line}"

    def get(self, *path: str, default=None):
        """The raw value of an argument, following nested blocks (the first of each)."""
        node = self.body
        for name in path:
            if isinstance(node, list):
                node = node[0] if node else {}
            if not isinstance(node, dict) or name not in node:
                return default
            node = node[name]
        return node


@dataclass
class Resolved:
    """One value an argument can have, and where it was set."""

    value: object
    where: str

    @property
    def known(self) -> bool:
        return self.value is not UNKNOWN


@dataclass
class Config:
    """One Terraform directory: a root (it has a backend) or a module."""

    path: Path
    files: list[TfFile] = field(default_factory=list)
    tfvars_files: list[TfFile] = field(default_factory=list)  # .tfvars and .backend.hcl files
    # name -> (raw value, file) of the tfvars files Terraform loads by itself
    tfvars: dict[str, tuple[object, TfFile]] = field(default_factory=dict)
    # environment -> its values file (<name>.tfvars) and its backend file (<name>.backend.hcl)
    values_files: dict[str, TfFile] = field(default_factory=dict)
    backend_files: dict[str, TfFile] = field(default_factory=dict)

    @property
    def blocks(self) -> list[Block]:
        return [b for f in self.files for b in _blocks_of(f, self)]

    def of_kind(self, kind: str, type_: str | None = None) -> list[Block]:
        return [
            b
            for b in self.blocks
            if b.kind == kind and (type_ is None or (b.labels and b.labels[0] == type_))
        ]

    def variable(self, name: str) -> Block | None:
        return next((b for b in self.of_kind("variable") if b.labels == (name,)), None)

    @property
    def backend(self) -> Block | None:
        for block in self.of_kind("terraform"):
            backends = block.body.get("backend") or []
            for backend in backends:
                for kind, body in backend.items():
                    return Block("backend", (unquote(kind),), body, block.file, self)
        return None

    @property
    def is_root(self) -> bool:
        return self.backend is not None

    @property
    def folder(self) -> str:
        """The directory as the messages name it: infra/terraform/environment."""
        return self.files[0].name.rsplit("/", 1)[0] if self.files else self.path.name

    def backend_settings(self, environment: str | None = None) -> dict[str, tuple[object, str]]:
        """argument -> (literal value, where it is set) of the backend as `terraform init` sees
        it: the backend block, then the environment's backend file over it."""
        backend = self.backend
        settings = {
            key: (literal(raw), backend.where(key))
            for key, raw in (backend.body.items() if backend else ())
            if not key.startswith("__")
        }
        file = self.backend_files.get(environment) if environment else None
        for key, raw in file.doc.items() if file else ():
            if not key.startswith("__"):
                settings[key] = (literal(raw), file.where(key))
        return settings


def _blocks_of(file: TfFile, config: Config) -> list[Block]:
    found = []
    for kind, entries in file.doc.items():
        if kind.startswith("__"):
            continue
        for entry in entries if isinstance(entries, list) else [entries]:
            found += _unwrap(kind, BLOCK_LABELS.get(kind, 0), entry, (), file, config)
    return found


def _unwrap(kind, depth, node, labels, file, config) -> list[Block]:
    if depth == 0:
        return [Block(kind, labels, node, file, config)]
    found = []
    for label, inner in node.items():
        if not label.startswith("__"):
            found += _unwrap(kind, depth - 1, inner, (*labels, unquote(label)), file, config)
    return found


def parse_file(path: Path, infra: Path) -> TfFile:
    name = str(path.relative_to(infra.parent))
    text = path.read_text()
    try:
        doc = hcl2.loads(text, serialization_options=_OPTIONS)
    except Exception as exc:  # python-hcl2 raises lark's errors, several kinds
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ParseError(f"{name}: not valid HCL: {first}") from exc
    return TfFile(path=path, name=name, text=text, doc=doc)


class Infra:
    """Every Terraform directory under infra/terraform, parsed."""

    def __init__(self, infra: Path = INFRA):
        self.infra = infra
        self.terraform = infra / "terraform"
        self.configs: dict[Path, Config] = {}
        self.errors: list[str] = []
        for path in sorted(self.terraform.rglob("*")):
            backend_file = path.name.endswith(".backend.hcl")
            if ".terraform" in path.parts or not (
                path.suffix in (".tf", ".tfvars") or backend_file
            ):
                continue
            try:
                parsed = parse_file(path, infra)
            except ParseError as exc:
                self.errors.append(str(exc))
                continue
            config = self.configs.setdefault(path.parent, Config(path.parent))
            if path.suffix == ".tf":
                config.files.append(parsed)
                continue
            config.tfvars_files.append(parsed)
            if backend_file:
                config.backend_files[parsed.stem] = parsed
            elif path.name == "terraform.tfvars" or path.name.endswith(".auto.tfvars"):
                config.tfvars |= {key: (raw, parsed) for key, raw in parsed.doc.items()}
            else:
                config.values_files[parsed.stem] = parsed

    @property
    def files(self) -> list[TfFile]:
        """Every .tf file."""
        return [f for c in self.configs.values() for f in c.files]

    @property
    def all_files(self) -> list[TfFile]:
        """Every .tf, .tfvars and .backend.hcl file that parsed."""
        tfvars = [f for c in self.configs.values() for f in c.tfvars_files]
        return sorted([*self.files, *tfvars], key=lambda f: f.name)

    @property
    def roots(self) -> list[Config]:
        return [c for c in self.configs.values() if c.is_root]

    def root(self, name: str) -> Config:
        return self.configs[self.terraform / name]

    def resources(self, type_: str) -> list[Block]:
        return [b for c in self.configs.values() for b in c.of_kind("resource", type_)]

    def callers(self, config: Config) -> list[Block]:
        """The module blocks whose source is this directory."""
        calls = []
        for other in self.configs.values():
            for call in other.of_kind("module"):
                source = literal(call.body.get("source"))
                if isinstance(source, str) and (other.path / source).resolve() == config.path:
                    calls.append(call)
        return calls

    def resolve(self, config: Config, raw, where: str, environment: str | None = None):
        """Every value `raw` (an argument of `config`) can have, each with where it was set: one
        per environment whose values file sets it, or only `environment`'s when it is given."""
        match = REFERENCE.match(raw) if isinstance(raw, str) else None
        if match is None:
            value = literal(raw)
            return [Resolved(value, where)]
        kind, name, attrs = match.group(1), match.group(2), match.group(3).split(".")[1:]
        found: list[Resolved] = []
        for origin, value, value_where in self._sources(config, kind, name, environment):
            for index, attr in enumerate(attrs):
                if isinstance(value, str) and REFERENCE.match(value):
                    # var.a.b where var.a is itself a reference: follow var.x.b
                    value = f"{value[:-1]}.{'.'.join(attrs[index:])}}}"
                    break
                value = value.get(attr) if isinstance(value, dict) else None
                value_where = self._inner(value_where, attr)
            if value is None:
                found.append(Resolved(None, value_where))
            else:
                found += self.resolve(origin, value, value_where, environment)
        return found or [Resolved(UNKNOWN, where)]

    def _sources(self, config: Config, kind: str, name: str, environment: str | None):
        """(config the value belongs to, raw value, where) of a variable or local."""
        if kind == "local":
            for block in config.of_kind("locals"):
                if name in block.body:
                    yield config, block.body[name], block.where(name)
            return
        variable = config.variable(name)
        default = variable.body.get("default") if variable else None
        if config.is_root:
            # -var-file over terraform.tfvars over the default, as Terraform reads them
            files = [config.values_files.get(environment)] if environment else []
            for values in files or list(config.values_files.values()) or [None]:
                if values is not None and name in values.doc:
                    yield config, values.doc[name], values.where(name)
                elif name in config.tfvars:
                    raw, file = config.tfvars[name]
                    yield config, raw, file.where(name)
                elif variable is not None and "default" in variable.body:
                    yield config, default, variable.where("default")
            return
        for call in self.callers(config):
            if name in call.body:
                yield call.config, call.body[name], call.where(name)
            elif variable is not None and "default" in variable.body:
                yield config, default, variable.where("default")

    def _inner(self, where: str, attr: str) -> str:
        """file:line of an object's attribute, the object being set at `where`."""
        name, _, line = where.rpartition(":")
        file = next((f for f in self.all_files if f.name == name), None)
        if file is None or not line.isdigit():
            return where
        inner = file.line_of(rf"^\s*{re.escape(attr)}\s*=", int(line))
        return f"{name}:{inner}"

    def values(self, block: Block, *path: str) -> list[Resolved]:
        """Every value an argument of a block can have (an absent argument: [None])."""
        raw = block.get(*path)
        if raw is None:  # where it would be: the nearest enclosing block found
            return [Resolved(None, block.where(*path))]
        return self.resolve(block.config, raw, block.where(*path))
