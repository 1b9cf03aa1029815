"""The checker's inputs: CLI flags, each with an HPA_* environment variable, with bounds."""

from __future__ import annotations

import argparse
import os
from dataclasses import asdict, dataclass


class ConfigError(ValueError):
    """A bad input; its message is one line that says what to set."""


@dataclass(frozen=True)
class Option:
    flag: str
    env: str
    kind: type
    default: object
    help: str
    low: float | None = None
    high: float | None = None


OPTIONS = [
    Option(
        "namespace", "HPA_NAMESPACE", str, None, "namespace (default: the kubeconfig context's)"
    ),
    Option(
        "hpa",
        "HPA_NAME",
        str,
        None,
        "HorizontalPodAutoscaler name (default: the one that targets --deployment)",
    ),
    Option("deployment", "HPA_DEPLOYMENT", str, "users-api", "Deployment the HPA scales"),
    Option("context", "HPA_CONTEXT", str, None, "kubeconfig context (default: current)"),
    Option("base-url", "BASE_URL", str, None, "URL of the app as the load reaches it"),
    Option("path", "HPA_LOAD_PATH", str, "/api/users/", "path the load requests (GET)"),
    Option("concurrency", "HPA_CONCURRENCY", int, 8, "concurrent clients", 1, 64),
    Option("rate", "HPA_RATE", float, 50.0, "requests per second, all clients together", 0.1, 1000),
    Option("duration", "HPA_DURATION", float, 240.0, "seconds of load", 1, 1800),
    Option("request-timeout", "HPA_REQUEST_TIMEOUT", float, 10.0, "seconds per request", 0.1, 60),
    Option(
        "expect-replicas",
        "HPA_EXPECT_REPLICAS",
        int,
        None,
        "ready replicas the load must reach (default: minReplicas + 1)",
        1,
        1000,
    ),
    Option(
        "scale-up-within",
        "HPA_SCALE_UP_WITHIN",
        float,
        180.0,
        "seconds from the start of the load to reach --expect-replicas",
        0.1,
        1800,
    ),
    Option(
        "scale-down-within",
        "HPA_SCALE_DOWN_WITHIN",
        float,
        0.0,
        "seconds after the load to be back at minReplicas (0: not checked)",
        0,
        3600,
    ),
    Option(
        "max-error-rate",
        "HPA_MAX_ERROR_RATE",
        float,
        0.01,
        "largest fraction of failed requests (0.01 is one percent)",
        0,
        1,
    ),
    Option(
        "max-p95-ms",
        "HPA_MAX_P95_MS",
        float,
        1000.0,
        "p95 latency limit over the load, ms",
        1,
        60000,
    ),
    Option("interval", "HPA_INTERVAL", float, 5.0, "seconds between timeline samples", 0.05, 60),
    Option(
        "precondition-wait",
        "HPA_PRECONDITION_WAIT",
        float,
        60.0,
        "seconds to wait for the metrics and the Deployment to settle before failing",
        0,
        900,
    ),
    Option(
        "saturation-samples",
        "HPA_SATURATION_SAMPLES",
        int,
        3,
        "consecutive samples at maxReplicas with CPU above target that fail the check",
        1,
        100,
    ),
    Option("reports", "HPA_REPORTS", str, "reports", "directory for the reports"),
    Option("report-name", "HPA_REPORT_NAME", str, "hpa", "JUnit file name and suite name"),
]


@dataclass(frozen=True)
class Config:
    namespace: str | None
    hpa: str | None
    deployment: str | None
    context: str | None
    base_url: str
    path: str
    concurrency: int
    rate: float
    duration: float
    request_timeout: float
    expect_replicas: int | None
    scale_up_within: float
    scale_down_within: float
    max_error_rate: float
    max_p95_ms: float
    interval: float
    precondition_wait: float
    saturation_samples: int
    reports: str
    report_name: str

    def as_dict(self) -> dict:
        return asdict(self)


def _attr(option: Option) -> str:
    return option.flag.replace("-", "_")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m harness.hpa",
        description="Live HPA check: drives a bounded load and watches the HPA scale the "
        "Deployment. Every flag also reads the environment variable named in its help.",
    )
    for option in OPTIONS:
        p.add_argument(
            f"--{option.flag}",
            dest=_attr(option),
            default=None,
            help=(
                f"{option.help} [env {option.env}"
                + (f"; default {option.default}" if option.default is not None else "")
                + (f"; {option.low:g} to {option.high:g}" if option.low is not None else "")
                + "]"
            ),
        )
    return p


def load(argv: list[str] | None = None, environ: dict[str, str] | None = None) -> Config:
    """Flags win over environment variables, which win over defaults. Raises ConfigError."""
    environ = os.environ if environ is None else environ
    args = parser().parse_args(argv)
    values = {}
    for option in OPTIONS:
        raw = getattr(args, _attr(option))
        source = f"--{option.flag}"
        if raw is None and environ.get(option.env, "").strip():
            raw, source = environ[option.env].strip(), option.env
        if raw is None:
            values[_attr(option)] = option.default
            continue
        try:
            value = option.kind(raw)
        except ValueError:
            raise ConfigError(
                f"{source}={raw!r} is not a valid {option.kind.__name__}: {option.help}"
            ) from None
        if option.low is not None and not option.low <= value <= option.high:
            raise ConfigError(
                f"{source}={raw} is out of bounds: set it between {option.low:g} and "
                f"{option.high:g} ({option.help})"
            )
        values[_attr(option)] = value
    if not values["base_url"]:
        raise ConfigError(
            "BASE_URL is not set: set BASE_URL (or --base-url) to the app's URL as the load "
            "reaches it, e.g. http://<the Service's external IP>"
        )
    if not values["hpa"] and not values["deployment"]:
        raise ConfigError("set HPA_NAME (--hpa) or HPA_DEPLOYMENT (--deployment)")
    if values["scale_up_within"] > values["duration"]:
        raise ConfigError(
            f"HPA_SCALE_UP_WITHIN={values['scale_up_within']:g} is longer than the load "
            f"(HPA_DURATION={values['duration']:g}): raise the duration or lower the limit"
        )
    values["base_url"] = values["base_url"].rstrip("/")
    if not values["path"].startswith("/"):
        values["path"] = "/" + values["path"]
    return Config(**values)
