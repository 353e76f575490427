"""Synthesis speed of ProtectedApp against hand-built cdk8s-plus-28 and plain PyYAML dicts.

Run from the repository root::

    python benchmarks/synth.py                       # 5 runs, N = 1, 10, 50, 200
    python benchmarks/synth.py --runs 3 --sizes 10,200
    python benchmarks/synth.py --check               # also prove the variants are equivalent

Every measurement runs in a fresh subprocess (``--worker``), so the jsii runtime (one node
process per Python process) starts clean for each variant and size. The workers of one run
are interleaved (every variant at every size, then the next run), and the tables show the
median over the runs.

Variants, all producing the same manifests for N apps (half signing in through one shared
oauth2-proxy on ``access.example.com``, half with their own proxy; see ``app_config``):

- ``construct``: ``ProtectedApp`` / ``OAuth2Proxy`` from this package, ``app.synth_yaml()``;
- ``kplus``: the same objects hand-built with cdk8s-plus-28 classes (``Deployment``,
  ``Service``, ``Ingress``, ``NetworkPolicy``; the PodDisruptionBudget from its ``k8s``
  module), ``app.synth_yaml()``. cdk8s-plus cannot express everything identically (named
  ports, pod seccomp, topology spread, its own defaults): see ``docs/benchmark.md``;
- ``dicts``: the same manifests as Python dicts, ``yaml.safe_dump_all`` (pure Python);
- ``dicts-libyaml``: the same with ``yaml.CSafeDumper`` when PyYAML has libyaml;
- ``core``: the package's pure-Python core alone (resolve, plan, manifests, the program-wide
  claims), no cdk8s and no jsii, ``yaml.safe_dump_all`` like ``dicts``: what the manifests
  themselves cost over the PyYAML floor;
- ``pulumi``: ``oauth_ingress_construct.pulumi`` components in a Pulumi program run under
  ``pulumi.runtime.set_mocks`` (no engine, no provider plugin): "construct" is the program
  run, every child's inputs serialized and registered with the mock; Pulumi has no synth
  step, so "synth" is the YAML dump of the registered inputs (for ``--check``).

Any variant of the package (``construct``, ``core``, ``pulumi``) also runs as
``<variant>-unsealed``: the same, with the emit-time check (``_core.sealed.seal`` and
``verify``) replaced by no-ops, so one run measures what that check costs; a table compares
each with its unsealed twin, run by run. (The resolve-time re-check of the value objects
stays in both.)

Measured per worker: import time, construct time (App, Chart and every object), synth time,
jsii round trips, Python peak memory (``tracemalloc``, in a separate worker so tracing does
not slow the timed one) and the peak RSS (VmHWM) of the jsii node processes.
"""

# Imports sit inside the functions on purpose: each worker process imports only what its
# variant needs, so its import time and memory are its own. jsii objects are typed Any here.
# ruff: noqa: PLC0415, ANN401

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

VARIANTS = ("construct", "kplus", "dicts", "dicts-libyaml", "core", "pulumi")
#: Suffix of a package variant run without the emit-time check (see the module docstring).
UNSEALED = "-unsealed"
IMPORT_CASES = {
    "cdk8s": ("cdk8s",),
    "cdk8s_plus_28": ("cdk8s_plus_28",),
    # The top level and its value types: plain Python, no cdk8s, no node.
    "oauth_ingress_construct": ("oauth_ingress_construct",),
    # The cdk8s front end (loads cdk8s, starts node), as `from ... import ProtectedApp` does.
    "oauth_ingress_construct:ProtectedApp": ("oauth_ingress_construct:ProtectedApp",),
    # oauth_ingress_construct imported after cdk8s_plus_28: what the package adds on top.
    "oauth_ingress_construct:ProtectedApp after cdk8s_plus_28": (
        "cdk8s_plus_28",
        "oauth_ingress_construct:ProtectedApp",
    ),
    # The core alone and the Pulumi front end (no cdk8s, no node).
    "core: oauth_ingress_construct._targets.ingress_nginx": (
        "oauth_ingress_construct._targets.ingress_nginx",
    ),
    "oauth_ingress_construct.pulumi": ("oauth_ingress_construct.pulumi",),
}

NAMESPACE = "apps"
DOMAIN = "example.com"
AUTH_HOST = f"access.{DOMAIN}"
TLS_SECRET = "example-com-tls"
PREFIX = "nginx.ingress.kubernetes.io/"
# As OAuth2Proxy's defaults (DEFAULT_PROXY_IMAGE, RUN_AS_ID); --check notices any drift.
IMAGE = (
    "quay.io/oauth2-proxy/oauth2-proxy:v7.15.3"
    "@sha256:10a1165743a192e1940b4708fb9647027185ce11a681a1c5519b442ff7f1f561"
)
UID = 65532
# The proxy reads its client and cookie secrets from files of the mounted Secret.
SECRETS_DIR = "/etc/oauth2-proxy/secrets"
SECRETS_VOLUME = "oauth2-proxy-secrets"
SECRET_FILES = ("client-secret", "cookie-secret")


# --------------------------------------------------------------------------------------------
# The workload: N apps, described once, built three ways.
# --------------------------------------------------------------------------------------------


def app_config(i: int) -> dict[str, Any]:
    """Configuration of app ``i``: a representative mix, deterministic.

    - even ``i``: signs in through the shared proxy, ``allowed_groups``;
      every 4th (``i % 4 == 0``) also ``pass_through_401`` with ``custom_http_errors`` on a
      described stock ingress-nginx 1.15 (-> ``disable-proxy-intercept-errors``);
    - odd ``i``: its own oauth2-proxy (``provider=``); ``i % 4 == 3`` also
      ``pass_through_401`` on a controller whose ConfigMap intercepts errors and allows
      snippets (-> ``configuration-snippet``);
    - every app has TLS; every 5th app two paths.
    """
    return {
        "id": f"App{i}",
        "name": f"app{i}",
        "host": f"app{i}.{DOMAIN}",
        "service": f"app{i}-web",
        "port": 8080 if i % 3 else 80,
        "shared": i % 2 == 0,
        "groups": [f"team-{i % 7}"] if i % 2 == 0 else [],
        "paths": ["/api", "/ui"] if i % 5 == 0 else ["/"],
        "pass_through": i % 4 in (0, 3),
        "custom_http_errors": [502, 503] if i % 4 == 0 else [],
        "snippet_controller": i % 4 == 3,
    }


SHARED_PROXY = {"name": "access", "host": AUTH_HOST, "shared": True}


def proxy_args(*, host: str, shared: bool, provider: list[str]) -> list[str]:
    cookie = f".{DOMAIN}" if shared else None
    return [
        "--http-address=0.0.0.0:4180",
        "--metrics-address=0.0.0.0:44180",
        "--reverse-proxy=true",
        "--upstream=static://202",
        "--set-xauthrequest=true",
        *provider,
        "--email-domain=*",
        f"--redirect-url=https://{host}/oauth2/callback",
        f"--whitelist-domain={cookie or host}",
        *([f"--cookie-domain={cookie}"] if cookie else []),
        "--cookie-secure=true",
        "--silence-ping-logging=true",
        f"--client-secret-file={SECRETS_DIR}/client-secret",
        f"--cookie-secret-file={SECRETS_DIR}/cookie-secret",
    ]


KEYCLOAK_ARGS = [
    "--provider=keycloak-oidc",
    "--oidc-issuer-url=https://keycloak.example.com/realms/staff",
    "--oidc-groups-claim=groups",
]
GITHUB_ARGS = ["--provider=github", "--github-org=example-org", "--github-team=platform"]


def app_annotations(cfg: dict[str, Any]) -> dict[str, str]:
    """The protected Ingress's annotations, as ProtectedApp derives them."""
    if cfg["shared"]:
        auth = f"http://{SHARED_PROXY['name']}.{NAMESPACE}.svc.cluster.local:80/oauth2/auth"
        auth += "?allowed_groups=" + ",".join(cfg["groups"])
        signin = f"https://{AUTH_HOST}/oauth2/start"
    else:
        auth = f"http://{cfg['name']}-oauth2-proxy.{NAMESPACE}.svc.cluster.local:80/oauth2/auth"
        signin = f"https://{cfg['host']}/oauth2/start"
    out = {
        PREFIX + "auth-url": auth,
        PREFIX + "auth-signin": signin,
        PREFIX + "auth-response-headers": (
            "X-Auth-Request-User,X-Auth-Request-Email,X-Auth-Request-Groups"
        ),
    }
    if cfg["custom_http_errors"]:
        out[PREFIX + "custom-http-errors"] = ",".join(map(str, cfg["custom_http_errors"]))
    if cfg["pass_through"]:
        if cfg["custom_http_errors"]:
            out[PREFIX + "disable-proxy-intercept-errors"] = "true"
        if cfg["snippet_controller"]:
            out[PREFIX + "configuration-snippet"] = (
                "# Pass the backend's own 401 through instead of redirecting to sign-in\n"
                "proxy_intercept_errors off;\n"
            )
    return out


# --- (construct) ProtectedApp -----------------------------------------------------------------


def build_construct(n: int) -> Any:
    import cdk8s

    from oauth_ingress_construct import (
        IngressNginx,
        OAuth2Proxy,
        ProtectedApp,
        Provider,
        RiskLevel,
        ServiceRef,
    )

    stock = IngressNginx(version="1.15.1")
    snippets = IngressNginx(
        version="1.15.1",
        allow_snippet_annotations=True,
        annotations_risk_level=RiskLevel.CRITICAL,
        custom_http_errors=[503],
    )
    keycloak = Provider.keycloak_oidc(
        issuer_url="https://keycloak.example.com/realms/staff", groups_claim="groups"
    )
    github = Provider.github(org="example-org", team="platform")

    app = cdk8s.App()
    chart = cdk8s.Chart(app, "bench", namespace=NAMESPACE, disable_resource_name_hashes=True)
    shared = OAuth2Proxy(
        chart, "Access", host=AUTH_HOST, provider=keycloak, tls_secret_name=TLS_SECRET
    )
    for i in range(n):
        cfg = app_config(i)
        common: dict[str, Any] = {
            "host": cfg["host"],
            "backend": ServiceRef(cfg["service"], cfg["port"]),
            "paths": cfg["paths"],
            "tls_secret_name": TLS_SECRET,
            "pass_through_401": cfg["pass_through"],
            "custom_http_errors": cfg["custom_http_errors"],
        }
        if cfg["pass_through"]:
            common["controller"] = snippets if cfg["snippet_controller"] else stock
        if cfg["shared"]:
            ProtectedApp(chart, cfg["id"], proxy=shared, allowed_groups=cfg["groups"], **common)
        else:
            ProtectedApp(chart, cfg["id"], provider=github, **common)
    return app


# --- (core) the pure-Python core, no front end ------------------------------------------------


def _controllers() -> tuple[Any, Any]:
    from oauth_ingress_construct import IngressNginx, RiskLevel

    stock = IngressNginx(version="1.15.1")
    snippets = IngressNginx(
        version="1.15.1",
        allow_snippet_annotations=True,
        annotations_risk_level=RiskLevel.CRITICAL,
        custom_http_errors=[503],
    )
    return stock, snippets


def build_core(n: int) -> list[dict[str, Any]]:
    """What both front ends compute, in the order the cdk8s front end adds the objects."""
    from oauth_ingress_construct import Provider, ServiceRef
    from oauth_ingress_construct._core.appspec import resolve_app
    from oauth_ingress_construct._core.inventory import Inventory
    from oauth_ingress_construct._core.workload import resolve_proxy, workload_manifests
    from oauth_ingress_construct._targets.ingress_nginx import app_manifests, plan_app, proxy_route

    stock, snippets = _controllers()
    keycloak = Provider.keycloak_oidc(
        issuer_url="https://keycloak.example.com/realms/staff", groups_claim="groups"
    )
    github = Provider.github(org="example-org", team="platform")
    inventory = Inventory()

    def owner() -> str:
        return "benchmark"

    def claim(objects: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
        for obj in objects.values():
            meta = obj["metadata"]
            inventory.claim_name(obj["kind"], meta["namespace"], meta["name"], owner)
        return list(objects.values())

    shared = resolve_proxy(
        name="access",
        namespace=NAMESPACE,
        host=AUTH_HOST,
        provider=keycloak,
        tls_secret_name=TLS_SECRET,
    )
    inventory.claim_route("nginx", AUTH_HOST, "/oauth2", owner)
    docs = claim(workload_manifests(shared, route=proxy_route(shared)))
    for i in range(n):
        cfg = app_config(i)
        spec = resolve_app(
            name=cfg["name"],
            namespace=NAMESPACE,
            host=cfg["host"],
            backend=ServiceRef(cfg["service"], cfg["port"]),
            proxy=shared if cfg["shared"] else None,
            provider=None if cfg["shared"] else github,
            paths=cfg["paths"],
            tls_secret_name=TLS_SECRET,
            allowed_groups=cfg["groups"],
        )
        plan = plan_app(
            spec,
            pass_through_401=cfg["pass_through"],
            custom_http_errors=cfg["custom_http_errors"],
            controller=(snippets if cfg["snippet_controller"] else stock)
            if cfg["pass_through"]
            else None,
        )
        for path in spec.paths:
            inventory.claim_route("nginx", spec.host, path, owner)
        if spec.own_proxy:
            inventory.claim_route("nginx", spec.host, "/oauth2", owner)
            docs += claim(workload_manifests(spec.proxy, route=proxy_route(spec.proxy)))
        docs += claim(app_manifests(spec, plan))
    return docs


# --- (pulumi) the Pulumi front end under mocks ------------------------------------------------


def build_pulumi(n: int) -> list[dict[str, Any]]:
    """The Pulumi components in a mocked program run; the Kubernetes children's inputs."""
    import pulumi

    from oauth_ingress_construct import Provider, ServiceRef
    from oauth_ingress_construct.pulumi import OAuth2Proxy, ProtectedApp

    registered: list[dict[str, Any]] = []

    class Mocks(pulumi.runtime.Mocks):
        def new_resource(self, args: Any) -> tuple[str, dict[str, Any]]:
            if args.typ.startswith("kubernetes:"):
                registered.append(args.inputs)
            return f"{args.name}-id", args.inputs

        def call(self, args: Any) -> dict[str, Any]:
            return {}

    pulumi.runtime.set_mocks(Mocks(), preview=False)
    stock, snippets = _controllers()
    keycloak = Provider.keycloak_oidc(
        issuer_url="https://keycloak.example.com/realms/staff", groups_claim="groups"
    )
    github = Provider.github(org="example-org", team="platform")

    @pulumi.runtime.test
    def program() -> None:
        shared = OAuth2Proxy(
            "Access",
            namespace=NAMESPACE,
            host=AUTH_HOST,
            provider=keycloak,
            tls_secret_name=TLS_SECRET,
        )
        for i in range(n):
            cfg = app_config(i)
            common: dict[str, Any] = {
                "namespace": NAMESPACE,
                "host": cfg["host"],
                "backend": ServiceRef(cfg["service"], cfg["port"]),
                "paths": cfg["paths"],
                "tls_secret_name": TLS_SECRET,
                "pass_through_401": cfg["pass_through"],
                "custom_http_errors": cfg["custom_http_errors"],
            }
            if cfg["pass_through"]:
                common["controller"] = snippets if cfg["snippet_controller"] else stock
            if cfg["shared"]:
                ProtectedApp(cfg["id"], proxy=shared, allowed_groups=cfg["groups"], **common)
            else:
                ProtectedApp(cfg["id"], provider=github, **common)

    program()
    return registered


def _integral(value: Any) -> Any:
    """Numbers cross Pulumi's engine protocol as doubles: 80.0 back to 80."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _integral(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral(v) for v in value]
    return value


# --- (a) hand-built with cdk8s-plus-28 ------------------------------------------------------


def kplus_stub_services(n: int) -> dict[int, Any]:
    """Stand-ins for the apps' ``ServiceRef`` backends, which cdk8s-plus cannot express.

    ``IngressBackend.from_service`` needs a Service object: the stubs live in a scratch App
    that is never synthesized, and the worker builds them before the clock starts, so they
    cost the cdk8s-plus variant nothing.
    """
    import cdk8s
    import cdk8s_plus_28 as kplus

    scratch = cdk8s.Chart(cdk8s.App(), "scratch")
    return {
        i: kplus.Service(
            scratch,
            f"App{i}",
            metadata=cdk8s.ApiObjectMetadata(name=app_config(i)["service"]),
            ports=[kplus.ServicePort(port=app_config(i)["port"])],
        )
        for i in range(n)
    }


def build_kplus(n: int, stubs: dict[int, Any]) -> Any:
    import cdk8s
    import cdk8s_plus_28 as kplus
    from cdk8s_plus_28 import k8s

    app = cdk8s.App()
    chart = cdk8s.Chart(app, "bench", namespace=NAMESPACE, disable_resource_name_hashes=True)
    tls = kplus.Secret.from_secret_name(chart, "Tls", TLS_SECRET)
    controller_ns = kplus.Namespaces.select(chart, "Controller", names=["ingress-nginx"])
    monitoring = kplus.Namespaces.select(chart, "Monitoring", names=["monitoring"])
    resources = kplus.ContainerResources(
        cpu=kplus.CpuResources(request=kplus.Cpu.millis(20), limit=kplus.Cpu.millis(500)),
        memory=kplus.MemoryResources(
            request=cdk8s.Size.mebibytes(64), limit=cdk8s.Size.mebibytes(128)
        ),
    )

    def proxy(scope: Any, name: str, host: str, shared: bool, provider: list[str]) -> None:
        labels = {
            "app.kubernetes.io/name": "oauth2-proxy",
            "app.kubernetes.io/instance": name,
            "app.kubernetes.io/component": "authentication-proxy",
        }
        selector = {k: labels[k] for k in list(labels)[:2]}
        meta = cdk8s.ApiObjectMetadata(name=name, namespace=NAMESPACE, labels=labels)
        secret = kplus.Secret.from_secret_name(scope, f"{name}-secret", name)

        def env(key: str) -> Any:
            return kplus.EnvValue.from_secret_value(kplus.SecretValue(secret=secret, key=key))

        secrets = kplus.Volume.from_secret(
            scope,
            f"{name}-secrets",
            secret,
            name=SECRETS_VOLUME,
            items={key: kplus.PathMapping(path=key) for key in SECRET_FILES},
            default_mode=0o400,
        )

        deployment = kplus.Deployment(
            scope,
            f"{name}-deployment",
            metadata=meta,
            replicas=2,
            select=False,
            pod_metadata=cdk8s.ApiObjectMetadata(labels=labels),
            automount_service_account_token=False,
            security_context=kplus.PodSecurityContextProps(
                ensure_non_root=True, user=UID, group=UID, fs_group=UID
            ),
            containers=[
                kplus.ContainerProps(
                    name="oauth2-proxy",
                    image=IMAGE,
                    image_pull_policy=kplus.ImagePullPolicy.IF_NOT_PRESENT,
                    args=proxy_args(host=host, shared=shared, provider=provider),
                    env_variables={"OAUTH2_PROXY_CLIENT_ID": env("client-id")},
                    volume_mounts=[
                        kplus.VolumeMount(path=SECRETS_DIR, volume=secrets, read_only=True)
                    ],
                    ports=[
                        kplus.ContainerPort(number=4180, name="http", protocol=kplus.Protocol.TCP),
                        kplus.ContainerPort(
                            number=44180, name="metrics", protocol=kplus.Protocol.TCP
                        ),
                    ],
                    liveness=kplus.Probe.from_http_get(
                        "/ping",
                        port=4180,
                        initial_delay_seconds=cdk8s.Duration.seconds(5),
                        period_seconds=cdk8s.Duration.seconds(10),
                        timeout_seconds=cdk8s.Duration.seconds(2),
                        failure_threshold=3,
                    ),
                    readiness=kplus.Probe.from_http_get(
                        "/ready",
                        port=4180,
                        period_seconds=cdk8s.Duration.seconds(5),
                        timeout_seconds=cdk8s.Duration.seconds(2),
                        failure_threshold=3,
                    ),
                    resources=resources,
                    security_context=kplus.ContainerSecurityContextProps(
                        allow_privilege_escalation=False,
                        capabilities=kplus.ContainerSecutiryContextCapabilities(
                            drop=[kplus.Capability.ALL]
                        ),
                        privileged=False,
                        read_only_root_filesystem=True,
                        ensure_non_root=True,
                        user=UID,
                        group=UID,
                        seccomp_profile=kplus.SeccompProfile(
                            type=kplus.SeccompProfileType.RUNTIME_DEFAULT
                        ),
                    ),
                )
            ],
        )
        deployment.select(kplus.LabelSelector.of(labels=selector))
        pods = kplus.Pods.select(scope, f"{name}-pods", labels=selector)
        # No pod-level seccompProfile and no topologySpreadConstraints in cdk8s-plus.
        cdk8s.ApiObject.of(deployment).add_json_patch(
            cdk8s.JsonPatch.add(
                "/spec/template/spec/securityContext/seccompProfile", {"type": "RuntimeDefault"}
            ),
            cdk8s.JsonPatch.add(
                "/spec/template/spec/topologySpreadConstraints",
                [
                    {
                        "maxSkew": 1,
                        "topologyKey": "kubernetes.io/hostname",
                        "whenUnsatisfiable": "ScheduleAnyway",
                        "labelSelector": {"matchLabels": selector},
                    }
                ],
            ),
        )
        service = kplus.Service(
            scope,
            f"{name}-service",
            metadata=meta,
            type=kplus.ServiceType.CLUSTER_IP,
            selector=pods,
            ports=[
                kplus.ServicePort(
                    port=80, target_port=4180, name="http", protocol=kplus.Protocol.TCP
                ),
                kplus.ServicePort(
                    port=44180, target_port=44180, name="metrics", protocol=kplus.Protocol.TCP
                ),
            ],
        )
        kplus.Ingress(
            scope,
            f"{name}-ingress",
            metadata=meta,
            class_name="nginx",
            rules=[
                kplus.IngressRule(
                    host=host,
                    path="/oauth2",
                    path_type=kplus.HttpIngressPathType.PREFIX,
                    backend=kplus.IngressBackend.from_service(service, port=80),
                )
            ],
            tls=[kplus.IngressTls(hosts=[host], secret=tls)],
        )
        policy = kplus.NetworkPolicy(scope, f"{name}-network-policy", metadata=meta, selector=pods)
        policy.add_ingress_rule(controller_ns, [kplus.NetworkPolicyPort.tcp(4180)])
        policy.add_ingress_rule(monitoring, [kplus.NetworkPolicyPort.tcp(44180)])
        k8s.KubePodDisruptionBudget(
            scope,
            f"{name}-pdb",
            metadata=k8s.ObjectMeta(name=name, namespace=NAMESPACE, labels=labels),
            spec=k8s.PodDisruptionBudgetSpec(
                min_available=k8s.IntOrString.from_number(1),
                selector=k8s.LabelSelector(match_labels=selector),
            ),
        )

    proxy(chart, SHARED_PROXY["name"], AUTH_HOST, True, KEYCLOAK_ARGS)
    for i in range(n):
        cfg = app_config(i)
        if not cfg["shared"]:
            proxy(chart, f"{cfg['name']}-oauth2-proxy", cfg["host"], False, GITHUB_ARGS)
        kplus.Ingress(
            chart,
            cfg["id"],
            metadata=cdk8s.ApiObjectMetadata(
                name=cfg["name"],
                namespace=NAMESPACE,
                labels={"app.kubernetes.io/instance": cfg["name"]},
                annotations=app_annotations(cfg),
            ),
            class_name="nginx",
            rules=[
                kplus.IngressRule(
                    host=cfg["host"],
                    path=p,
                    path_type=kplus.HttpIngressPathType.PREFIX,
                    backend=kplus.IngressBackend.from_service(stubs[i], port=cfg["port"]),
                )
                for p in cfg["paths"]
            ],
            tls=[kplus.IngressTls(hosts=[cfg["host"]], secret=tls)],
        )
    return app


# --- (b) plain dicts ------------------------------------------------------------------------


def proxy_dicts(name: str, host: str, shared: bool, provider: list[str]) -> list[dict[str, Any]]:
    labels = {
        "app.kubernetes.io/component": "authentication-proxy",
        "app.kubernetes.io/instance": name,
        "app.kubernetes.io/name": "oauth2-proxy",
    }
    selector = {"app.kubernetes.io/name": "oauth2-proxy", "app.kubernetes.io/instance": name}
    meta = {"labels": labels, "name": name, "namespace": NAMESPACE}

    def env(var: str, key: str) -> dict[str, Any]:
        return {"name": var, "valueFrom": {"secretKeyRef": {"name": name, "key": key}}}

    def probe(path: str, **timing: int) -> dict[str, Any]:
        return {"httpGet": {"path": path, "port": "http", "scheme": "HTTP"}, **timing}

    non_root = {"runAsNonRoot": True, "runAsUser": UID, "runAsGroup": UID}
    seccomp = {"seccompProfile": {"type": "RuntimeDefault"}}
    container = {
        "name": "oauth2-proxy",
        "image": IMAGE,
        "imagePullPolicy": "IfNotPresent",
        "args": proxy_args(host=host, shared=shared, provider=provider),
        "env": [env("OAUTH2_PROXY_CLIENT_ID", "client-id")],
        "volumeMounts": [{"name": SECRETS_VOLUME, "mountPath": SECRETS_DIR, "readOnly": True}],
        "ports": [
            {"name": "http", "containerPort": 4180, "protocol": "TCP"},
            {"name": "metrics", "containerPort": 44180, "protocol": "TCP"},
        ],
        "livenessProbe": probe(
            "/ping", initialDelaySeconds=5, periodSeconds=10, timeoutSeconds=2, failureThreshold=3
        ),
        "readinessProbe": probe("/ready", periodSeconds=5, timeoutSeconds=2, failureThreshold=3),
        "resources": {
            "limits": {"cpu": "500m", "memory": "128Mi"},
            "requests": {"cpu": "20m", "memory": "64Mi"},
        },
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
            "privileged": False,
            "readOnlyRootFilesystem": True,
            **non_root,
            **seccomp,
        },
    }
    pod_spec = {
        "automountServiceAccountToken": False,
        "containers": [container],
        "volumes": [
            {
                "name": SECRETS_VOLUME,
                "secret": {
                    "secretName": name,
                    "items": [{"key": key, "path": key} for key in SECRET_FILES],
                    "defaultMode": 0o400,
                },
            }
        ],
        "securityContext": {**non_root, "fsGroup": UID, **seccomp},
        "topologySpreadConstraints": [
            {
                "maxSkew": 1,
                "topologyKey": "kubernetes.io/hostname",
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": selector},
            }
        ],
    }
    return [
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": meta,
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": selector},
                "template": {"metadata": {"labels": labels}, "spec": pod_spec},
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": meta,
            "spec": {
                "type": "ClusterIP",
                "selector": selector,
                "ports": [
                    {"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"},
                    {
                        "name": "metrics",
                        "port": 44180,
                        "targetPort": "metrics",
                        "protocol": "TCP",
                    },
                ],
            },
        },
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": meta,
            "spec": {
                "ingressClassName": "nginx",
                "rules": [
                    {
                        "host": host,
                        "http": {
                            "paths": [
                                {
                                    "path": "/oauth2",
                                    "pathType": "Prefix",
                                    "backend": {
                                        "service": {"name": name, "port": {"name": "http"}}
                                    },
                                }
                            ]
                        },
                    }
                ],
                "tls": [{"hosts": [host], "secretName": TLS_SECRET}],
            },
        },
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": meta,
            "spec": {
                "podSelector": {"matchLabels": selector},
                "policyTypes": ["Ingress"],
                "ingress": [
                    {
                        "from": [
                            {
                                "namespaceSelector": {
                                    "matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}
                                }
                            }
                        ],
                        "ports": [{"port": "http", "protocol": "TCP"}],
                    },
                    {
                        "from": [
                            {
                                "namespaceSelector": {
                                    "matchLabels": {"kubernetes.io/metadata.name": "monitoring"}
                                }
                            }
                        ],
                        "ports": [{"port": "metrics", "protocol": "TCP"}],
                    },
                ],
            },
        },
        {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": meta,
            "spec": {"minAvailable": 1, "selector": {"matchLabels": selector}},
        },
    ]


def build_dicts(n: int) -> list[dict[str, Any]]:
    docs = proxy_dicts(SHARED_PROXY["name"], AUTH_HOST, True, KEYCLOAK_ARGS)
    for i in range(n):
        cfg = app_config(i)
        if not cfg["shared"]:
            docs += proxy_dicts(f"{cfg['name']}-oauth2-proxy", cfg["host"], False, GITHUB_ARGS)
        docs.append(
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "Ingress",
                "metadata": {
                    "annotations": dict(sorted(app_annotations(cfg).items())),
                    "labels": {"app.kubernetes.io/instance": cfg["name"]},
                    "name": cfg["name"],
                    "namespace": NAMESPACE,
                },
                "spec": {
                    "ingressClassName": "nginx",
                    "rules": [
                        {
                            "host": cfg["host"],
                            "http": {
                                "paths": [
                                    {
                                        "path": p,
                                        "pathType": "Prefix",
                                        "backend": {
                                            "service": {
                                                "name": cfg["service"],
                                                "port": {"number": cfg["port"]},
                                            }
                                        },
                                    }
                                    for p in cfg["paths"]
                                ]
                            },
                        }
                    ],
                    "tls": [{"hosts": [cfg["host"]], "secretName": TLS_SECRET}],
                },
            }
        )
    return docs


# --------------------------------------------------------------------------------------------
# Worker: one variant, one size, one fresh process.
# --------------------------------------------------------------------------------------------


def _descendants(pid: int) -> list[int]:
    """Child processes, recursively, from /proc (the jsii runtime is node -> node)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _status_kib(pid: int | str, field: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cpu_ns(node: list[int]) -> tuple[int, int]:
    """On-CPU nanoseconds so far: this process, and every thread of the ``node`` processes."""
    total = 0
    for pid in node:
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                    total += int(f.read().split()[0])
            except OSError:
                continue
    return time.process_time_ns(), total


def _count_jsii_calls() -> Callable[[], int]:
    """Count round trips to the jsii runtime (None of this runs in the dict variants)."""
    from jsii._kernel.providers import process

    calls = [0]
    send = process._NodeProcess.send

    def counting_send(self: Any, request: Any, response_type: Any) -> Any:
        calls[0] += 1
        return send(self, request, response_type)

    process._NodeProcess.send = counting_send  # type: ignore[method-assign]
    return lambda: calls[0]


def _without_emit_check() -> None:
    """Replace the emit-time check by no-ops (every caller goes through the module)."""
    from oauth_ingress_construct._core import sealed

    sealed.seal = lambda value: value  # type: ignore[assignment]
    sealed.verify = lambda value: None  # type: ignore[assignment]


def _time_emit_check() -> Callable[[], tuple[float, int]]:
    """Time every seal and verify (the emit-time check): seconds inside them, and calls.

    A direct measure of the check's share, steadier on a loaded machine than the
    difference of two runs: each call is short, so it is seldom preempted.
    """
    from oauth_ingress_construct._core import sealed

    spent = [0.0, 0]

    def timed(function: Callable[[Any], Any]) -> Callable[[Any], Any]:
        def call(value: Any) -> Any:
            start = time.perf_counter()
            try:
                return function(value)
            finally:
                spent[0] += time.perf_counter() - start
                spent[1] += 1

        return call

    sealed.seal = timed(sealed.seal)  # type: ignore[assignment]
    sealed.verify = timed(sealed.verify)  # type: ignore[assignment]
    return lambda: (spent[0], int(spent[1]))


def worker(full_variant: str, n: int, trace: bool, dump: str | None) -> dict[str, Any]:
    variant = full_variant.removesuffix(UNSEALED)
    t0 = time.perf_counter()
    if variant == "construct":
        # The constructs load cdk8s (and start node) on first use: import them as users do.
        from oauth_ingress_construct import OAuth2Proxy, ProtectedApp  # noqa: F401
    elif variant == "kplus":
        import cdk8s_plus_28  # noqa: F401
    elif variant == "core":
        import oauth_ingress_construct._targets.ingress_nginx
    elif variant == "pulumi":
        import oauth_ingress_construct.pulumi  # noqa: F401
    import yaml

    t_import = time.perf_counter() - t0
    check = None
    if variant != full_variant:
        _without_emit_check()
    elif variant in ("construct", "core", "pulumi") and not trace:
        check = _time_emit_check()
    calls = _count_jsii_calls() if variant in ("construct", "kplus") else (lambda: 0)
    if trace:
        tracemalloc.start()

    stubs = kplus_stub_services(n) if variant == "kplus" else {}
    node = _descendants(os.getpid())
    calls0 = calls()
    cpu0 = _cpu_ns(node)
    t1 = time.perf_counter()
    if variant == "construct":
        app = build_construct(n)
    elif variant == "kplus":
        app = build_kplus(n, stubs)
    elif variant == "core":
        docs = build_core(n)
    elif variant == "pulumi":
        docs = build_pulumi(n)
    else:
        docs = build_dicts(n)
    t2 = time.perf_counter()
    cpu1 = _cpu_ns(node)
    t2b = time.perf_counter()
    if variant in ("construct", "kplus"):
        text = app.synth_yaml()
    elif variant == "pulumi":
        # Not part of a Pulumi run (the engine gets the inputs): only for --check.
        t2b = time.perf_counter()
        text = yaml.safe_dump_all(_integral(docs), sort_keys=False) if dump else ""
    else:
        dumper = yaml.CSafeDumper if variant == "dicts-libyaml" else yaml.SafeDumper
        text = yaml.dump_all(docs, Dumper=dumper, sort_keys=False)
    t3 = time.perf_counter()
    if variant == "pulumi":
        t3 = t2b
    cpu2 = _cpu_ns(node)

    result: dict[str, Any] = {
        "variant": full_variant,
        "n": n,
        "import_s": t_import,
        "construct_s": t2 - t1,
        "synth_s": t3 - t2b,
        # On-CPU time of Python and of the jsii node processes: what the work costs on an
        # idle machine; wall time also counts waiting for a CPU held by other processes.
        "construct_cpu_s": (sum(cpu1) - sum(cpu0)) / 1e9,
        "synth_cpu_s": (sum(cpu2) - sum(cpu1)) / 1e9,
        "node_cpu_share": ((cpu2[1] - cpu0[1]) / max(1, sum(cpu2) - sum(cpu0))),
        "docs": len(docs) if variant == "pulumi" else text.count("\n---\n") + 1,
        "bytes": len(text),
        "jsii_calls": calls() - calls0,
    }
    if check is not None:
        result["emit_check_s"], result["emit_check_calls"] = check()
    if trace:
        result["py_peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    else:
        result["py_hwm_mib"] = _status_kib("self", "VmHWM") / 1024
        result["node_hwm_mib"] = sum(_status_kib(p, "VmHWM") for p in node) / 1024
    if dump:
        Path(dump).write_text(text)
    return result


def import_worker(modules: tuple[str, ...]) -> dict[str, Any]:
    import importlib

    def load(target: str) -> None:
        module, _, attribute = target.partition(":")
        loaded = importlib.import_module(module)
        if attribute:
            getattr(loaded, attribute)

    for module in modules[:-1]:
        load(module)
    t0 = time.perf_counter()
    load(modules[-1])
    elapsed = time.perf_counter() - t0
    node = _descendants(os.getpid())
    return {"import_s": elapsed, "node_rss_mib": sum(_status_kib(p, "VmRSS") for p in node) / 1024}


# --------------------------------------------------------------------------------------------
# Driver.
# --------------------------------------------------------------------------------------------


def spawn(*args: str) -> dict[str, Any]:
    env = dict(os.environ)
    # Keep node's end-of-life banner out of the way (the value is a list of major versions).
    env.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "18,20")
    proc = subprocess.run(  # noqa: S603 - this script, run by the same interpreter
        [sys.executable, __file__, "--worker", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"worker {args} failed with exit code {proc.returncode}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def median(rows: list[dict[str, Any]], key: str) -> float:
    values = [r[key] for r in rows if r.get(key) is not None]
    return statistics.median(values) if values else float("nan")


def check_equivalence(n: int) -> None:
    """The construct's manifests and the dicts are the same data; kplus is close (see docs)."""
    import yaml

    tmp = Path(tempfile.gettempdir())
    texts = {}
    for variant in ("construct", "dicts", "kplus", "core", "pulumi"):
        path = tmp / f"bench-{variant}-{n}.yaml"
        spawn(variant, str(n), "--dump", str(path))
        texts[variant] = list(yaml.safe_load_all(path.read_text()))
    same = texts["construct"] == texts["dicts"]
    print(f"check N={n}: construct == dicts: {same} ({len(texts['construct'])} objects)")
    kinds = [(d["kind"], d["metadata"]["name"]) for d in texts["construct"]]
    kplus_kinds = [(d["kind"], d["metadata"]["name"]) for d in texts["kplus"]]
    print(
        f"check N={n}: kplus has the same objects (kind, name): "
        f"{sorted(kinds) == sorted(kplus_kinds)}"
    )

    def keyed(docs: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
        return {(d["kind"], d["metadata"]["name"]): d for d in docs}

    differ = [] if same else ["dicts"]
    for variant in ("core", "pulumi"):
        equal = keyed(texts[variant]) == keyed(texts["construct"]) and len(texts[variant]) == len(
            texts["construct"]
        )
        print(f"check N={n}: {variant} == construct (by kind and name): {equal}")
        if not equal:
            differ.append(variant)
    if differ:
        raise SystemExit(
            f"manifests of {differ} differ from construct's: the comparison is not fair"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=5, help="runs to take medians over")
    parser.add_argument("--sizes", default="1,10,50,200", help="numbers of apps, comma-separated")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc workers")
    parser.add_argument("--check", action="store_true", help="check the variants' equivalence")
    parser.add_argument("--json", help="also write every raw measurement to this file")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--dump", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        if args.worker[0] == "import":
            out = import_worker(IMPORT_CASES[args.worker[1]])
        else:
            out = worker(args.worker[0], int(args.worker[1]), args.trace, args.dump)
        print(json.dumps(out))
        return

    sizes = [int(s) for s in args.sizes.split(",")]
    variants = [v for v in args.variants.split(",") if v]
    if args.check:
        check_equivalence(min(10, max(sizes)))

    rows: list[dict[str, Any]] = []
    imports: dict[str, list[dict[str, float]]] = {case: [] for case in IMPORT_CASES}
    started = time.perf_counter()
    for run in range(args.runs):
        for case in IMPORT_CASES:
            imports[case].append(spawn("import", case))
        for n in sizes:
            for variant in variants:
                row = spawn(variant, str(n))
                if not args.no_memory:
                    row["py_peak_mib"] = spawn(variant, str(n), "--trace")["py_peak_mib"]
                row["run"] = run
                rows.append(row)
        print(
            f"run {run + 1}/{args.runs} done ({time.perf_counter() - started:.0f} s)",
            file=sys.stderr,
        )
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": rows, "imports": imports}, indent=1))
    report(rows, imports, sizes, variants, args.runs)


def fmt(value: float, digits: int) -> str:
    return "-" if math.isnan(value) else f"{value:.{digits}f}"


def report(
    rows: list[dict[str, Any]],
    imports: dict[str, list[dict[str, float]]],
    sizes: list[int],
    variants: list[str],
    runs: int,
) -> None:
    def pick(variant: str, n: int) -> list[dict[str, Any]]:
        return [r for r in rows if r["variant"] == variant and r["n"] == n]

    def cost(row: dict[str, Any], clock: str) -> float:
        return row[f"construct{clock}"] + row[f"synth{clock}"]

    def total(variant: str, n: int, clock: str = "_s") -> float:
        # Median of per-run totals (not the sum of medians).
        return statistics.median(cost(r, clock) for r in pick(variant, n))

    print(f"\n## Synthesis of N apps (median of {runs} runs, each in a fresh process)\n")
    print(
        "| N | variant | objects | construct ms | synth ms | total ms | per app ms "
        "| CPU per app ms | node share of CPU | jsii calls/app | Python traced peak MiB "
        "| Python peak RSS MiB | node peak RSS MiB |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in sizes:
        for v in variants:
            sel = pick(v, n)
            if not sel:
                continue
            tot = total(v, n)
            node = median(sel, "node_hwm_mib")
            jsii = v.removesuffix(UNSEALED) in ("construct", "kplus")
            share = f"{median(sel, 'node_cpu_share'):.0%}" if jsii else "-"
            calls = f"{median(sel, 'jsii_calls') / n:.1f}" if jsii else "-"
            print(
                f"| {n} | {v} | {sel[0]['docs']} | {median(sel, 'construct_s') * 1e3:.1f} "
                f"| {median(sel, 'synth_s') * 1e3:.1f} | {tot * 1e3:.1f} | {tot / n * 1e3:.2f} "
                f"| {total(v, n, '_cpu_s') / n * 1e3:.2f} "
                f"| {share} | {calls} "
                f"| {fmt(median(sel, 'py_peak_mib'), 1)} | {median(sel, 'py_hwm_mib'):.0f} "
                f"| {f'{node:.0f}' if jsii else '-'} |"
            )

    if "construct" in variants:
        for clock, title in (("_s", "wall clock"), ("_cpu_s", "CPU time, Python + node")):
            print(f"\n## Per-app cost (construct + synth), {title}: ratios of medians\n")
            print(
                "| N | ProtectedApp ms/app | (a) cdk8s-plus ms/app | (b) dicts ms/app "
                "| PA/(a) | PA/(b) | PA/(a) per run, min-max | PA/(b) per run, min-max |"
            )
            print("|---:|---:|---:|---:|---:|---:|---:|---:|")
            for n in sizes:
                pa = total("construct", n, clock) / n
                cells, ratios, spreads = [f"{pa * 1e3:.2f}"], [], []
                for other in ("kplus", "dicts"):
                    if not pick(other, n):
                        cells.append("-")
                        ratios.append("-")
                        spreads.append("-")
                        continue
                    per_app = total(other, n, clock) / n
                    cells.append(f"{per_app * 1e3:.2f}")
                    ratios.append(f"{pa / per_app:.2f}")
                    # Runs interleave the variants: a per-run ratio shares that run's load.
                    per_run = sorted(
                        cost(c, clock) / cost(o, clock)
                        for c in pick("construct", n)
                        for o in pick(other, n)
                        if c["run"] == o["run"]
                    )
                    spreads.append(f"{per_run[0]:.2f}-{per_run[-1]:.2f}")
                print(f"| {n} | " + " | ".join(cells + ratios + spreads) + " |")

    if "dicts" in variants:
        print("\n## Per-app cost (construct + synth) against the PyYAML floor (dicts)\n")
        print("| N | variant | wall ms/app | CPU ms/app | wall / dicts | CPU / dicts |")
        print("|---:|---|---:|---:|---:|---:|")
        for n in sizes:
            if not pick("dicts", n):
                continue
            floor = {clock: total("dicts", n, clock) / n for clock in ("_s", "_cpu_s")}
            for v in variants:
                if not pick(v, n):
                    continue
                wall, cpu = (total(v, n, clock) / n for clock in ("_s", "_cpu_s"))
                print(
                    f"| {n} | {v} | {wall * 1e3:.2f} | {cpu * 1e3:.2f} "
                    f"| {wall / floor['_s']:.2f} | {cpu / floor['_cpu_s']:.2f} |"
                )

    timed = [v for v in variants if any("emit_check_s" in r for r in pick(v, sizes[0]))]
    if timed:
        print("\n## The emit-time check, timed inside each run (seal and verify calls)\n")
        print("| N | variant | calls/app | check µs/app | CPU ms/app (all) | check / CPU |")
        print("|---:|---|---:|---:|---:|---:|")
        for n in sizes:
            for v in timed:
                sel = pick(v, n)
                if not sel:
                    continue
                spent = median(sel, "emit_check_s") / n
                cpu = total(v, n, "_cpu_s") / n
                print(
                    f"| {n} | {v} | {median(sel, 'emit_check_calls') / n:.1f} "
                    f"| {spent * 1e6:.0f} | {cpu * 1e3:.2f} | {spent / cpu:.1%} |"
                )

    twins = [v for v in variants if v + UNSEALED in variants]
    if twins:
        print("\n## The emit-time check: each variant against the same run without it\n")
        print(
            "| N | variant | ms/app | unsealed ms/app | check ms/app | check / total "
            "| per run, min-max | CPU check ms/app | CPU check / total |"
        )
        print("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
        for n in sizes:
            for v in twins:
                if not pick(v, n) or not pick(v + UNSEALED, n):
                    continue
                cells = []
                for clock in ("_s", "_cpu_s"):
                    with_check = total(v, n, clock) / n
                    without = total(v + UNSEALED, n, clock) / n
                    cells.append((with_check, without, with_check - without))
                per_run = sorted(
                    1 - cost(u, "_s") / cost(c, "_s")
                    for c in pick(v, n)
                    for u in pick(v + UNSEALED, n)
                    if c["run"] == u["run"]
                )
                (wall, bare, check), (cpu, _, cpu_check) = cells
                print(
                    f"| {n} | {v} | {wall * 1e3:.3f} | {bare * 1e3:.3f} | {check * 1e3:.3f} "
                    f"| {check / wall:.1%} | {per_run[0]:.1%} to {per_run[-1]:.1%} "
                    f"| {cpu_check * 1e3:.3f} | {cpu_check / cpu:.1%} |"
                )

    ordered = sorted(sizes)
    if len(ordered) > 1:
        steps = list(itertools.pairwise(ordered))
        print("\n## Marginal cost per added app between sizes (flat = no N\u00b2 work), ms\n")
        print(
            "| variant | "
            + " | ".join(f"N={a}\u2192{b} wall" for a, b in steps)
            + " | "
            + " | ".join(f"N={a}\u2192{b} CPU" for a, b in steps)
            + " |"
        )
        print("|---|" + "---:|" * (2 * len(steps)))
        for v in variants:
            cells = [
                f"{(total(v, b, clock) - total(v, a, clock)) / (b - a) * 1e3:.2f}"
                if pick(v, a) and pick(v, b)
                else "-"
                for clock in ("_s", "_cpu_s")
                for a, b in steps
            ]
            print(f"| {v} | " + " | ".join(cells) + " |")

    print(f"\n## Import time (median of {runs} fresh processes)\n")
    print("| import | ms | node RSS after, MiB |")
    print("|---|---:|---:|")
    med = {case: median(values, "import_s") * 1e3 for case, values in imports.items()}
    for case, ms in med.items():
        print(f"| `{case}` | {ms:.0f} | {median(imports[case], 'node_rss_mib'):.0f} |")
    saved = med["cdk8s_plus_28"] - med["oauth_ingress_construct:ProtectedApp"]
    print(
        "\nThe cdk8s front end does not import cdk8s_plus_28 itself: a program that never "
        f"uses cdk8s-plus saves about {saved:.0f} ms of cdk8s_plus_28's import "
        "(cdk8s_plus_28 minus oauth_ingress_construct:ProtectedApp). The top level alone "
        "(value types, the core) starts no node process."
    )


if __name__ == "__main__":
    main()
