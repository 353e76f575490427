"""The Pulumi front end under Pulumi's mocks: same core, same manifests as the cdk8s front end.

No Pulumi CLI and no provider plugin: ``pulumi.runtime.set_mocks`` answers every resource
registration in-process, and the mock sees each child's inputs as the Kubernetes provider
would receive them. For every example chart the Pulumi components are built with the same
arguments and their children's inputs must equal the manifests cdk8s synthesizes.
"""

from __future__ import annotations

import gc
import os
import runpy
import shutil
import subprocess
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cdk8s
import pulumi
import pulumi_kubernetes as k8s
import pytest
import yaml
from google.protobuf import json_format

from examples import EXAMPLES, build_apps
from oauth_ingress_construct import (
    Alerts,
    Autoscaling,
    BearerTokens,
    ClientTrafficPolicyWarning,
    ConfigurationError,
    EnvoyGateway,
    GatewayRef,
    IngressNginx,
    Monitoring,
    MonitorKind,
    NamespaceFallbackWarning,
    PassThroughStrategy,
    Provider,
    ProxyResources,
    ProxySecret,
    PublicPathRegexWarning,
    ServiceRef,
    Sessions,
    SnippetAnnotationWarning,
)
from oauth_ingress_construct import OAuth2Proxy as Cdk8sProxy
from oauth_ingress_construct import ProtectedApp as Cdk8sApp
from oauth_ingress_construct.pulumi import OAuth2Proxy, ProtectedApp

from .checked_cases import CASES, bad_value, build_cdk8s, changed, construct_args

ROOT = Path(__file__).resolve().parent.parent
PROXY_TYPE = "oauth-ingress-construct:index:OAuth2Proxy"
APP_TYPE = "oauth-ingress-construct:index:ProtectedApp"
STACK_TYPE = "pulumi:pulumi:Stack"
#: The kind the components register as the stack's own (emitted once per program run).
CTP_TYPE = "kubernetes:gateway.envoyproxy.io/v1alpha1:ClientTrafficPolicy"


# --------------------------------------------------------------------------------------------
# Mocks that record what the engine is told.
# --------------------------------------------------------------------------------------------


class Recorder(pulumi.runtime.Mocks):
    """Every resource registration: type, name, inputs; outputs are the inputs."""

    def __init__(self) -> None:
        self.inputs: dict[str, dict[str, Any]] = {}
        self.types: dict[str, str] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        assert args.name not in self.inputs, f"two resources named {args.name!r}"
        self.inputs[args.name] = args.inputs
        self.types[args.name] = args.typ
        return f"{args.name}-id", args.inputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict:
        raise AssertionError(f"unexpected invoke {args.token}")


class RecordingMonitor(pulumi.runtime.mocks.MockMonitor):
    """Also records each resource's dependencies and a component's registered outputs."""

    def __init__(self, mocks: Recorder) -> None:
        super().__init__(mocks)
        self.dependencies: dict[str, list[str]] = {}
        self.parents: dict[str, str] = {}
        self.providers: dict[str, str] = {}
        self.outputs: dict[str, dict[str, Any]] = {}

    def RegisterResource(self, request: Any) -> Any:
        result = super().RegisterResource(request)
        self.dependencies[request.name] = list(request.dependencies)
        self.parents[request.name] = request.parent
        self.providers[request.name] = request.provider
        return result

    def RegisterResourceOutputs(self, request: Any) -> Any:
        self.outputs[request.urn.rsplit("::", 1)[1]] = json_format.MessageToDict(request.outputs)
        return super().RegisterResourceOutputs(request)


class Program:
    """One mocked program run: a fresh engine connection, so a fresh inventory."""

    def __init__(self) -> None:
        self.mocks = Recorder()
        self.monitor = RecordingMonitor(self.mocks)
        pulumi.runtime.settings.reset_options()  # a new root Stack, registered with this monitor
        pulumi.runtime.set_mocks(self.mocks, preview=False, monitor=self.monitor)

    def run(self, build: Callable[[], Any]) -> Any:
        """Run ``build`` as the program; wait for every registration."""
        result: list[Any] = []

        @pulumi.runtime.test
        def program() -> None:
            result.append(build())

        program()
        return result[0]

    @property
    def urns(self) -> dict[str, str]:
        """Resource name -> URN (the URN holds the parent chain of types)."""
        return {urn.rsplit("::", 1)[1]: urn for urn in self.monitor.resources}

    def kubernetes_inputs(self, parent_types: tuple[str, ...] = (PROXY_TYPE, APP_TYPE)):
        """Inputs of the Kubernetes resources whose parent is one of ``parent_types``.

        And the ClientTrafficPolicies of the stack (the tests make none themselves).
        """
        found = []
        for name, urn in self.urns.items():
            chain = urn.split("::")[2].split("$")
            ours = chain[-1].startswith("kubernetes:") and len(chain) > 1
            if (ours and chain[-2] in parent_types) or chain == [STACK_TYPE, CTP_TYPE]:
                found.append(self.mocks.inputs[name])
        return found


@pytest.fixture
def program() -> Program:
    return Program()


@pytest.fixture(autouse=True)
def _collect_failed_futures():
    """Finalize a test's leftover asyncio futures now, not during a later ``ast.parse``.

    A failed program run leaves futures whose exception nobody retrieved; their finalizer
    logs a traceback, and Python 3.11's traceback formatting calls ``ast.parse``. Run from
    a garbage collection inside another ``ast.parse`` (pytest rewriting a module imported
    later), that nested parse trips CPython's "AST constructor recursion depth mismatch"
    check: the depth counter it compares is shared by the nested parse (seen with Python
    3.11.7; python/cpython#106905 is the same message).
    """
    yield
    gc.collect()


def by_kind_and_name(objects) -> dict[tuple[str, str], dict[str, Any]]:
    keyed = {(o["kind"], o["metadata"]["name"]): o for o in objects}
    assert len(keyed) == len(objects), "two objects of one kind and name"
    return keyed


# --------------------------------------------------------------------------------------------
# The example charts, built with the Pulumi components (same arguments as examples/*.py).
# --------------------------------------------------------------------------------------------


def seed_example() -> None:
    ns = "seed-example"
    access = OAuth2Proxy(
        "OAuth2Proxy",
        namespace=ns,
        host="access.example.com",
        provider=Provider.oidc(
            issuer_url="https://login.example.com/realms/example", client_id="example-app"
        ),
    )
    ProtectedApp(
        "ExampleProtectedApp",
        namespace=ns,
        host="app.example.com",
        backend=ServiceRef("my-service", 80),
        proxy=access,
        pass_through_401=True,
    )


def shared_proxy() -> None:
    ns = "apps"
    controller = IngressNginx(version="1.15.1")
    access = OAuth2Proxy(
        "OAuth2Proxy",
        namespace=ns,
        host="access.example.com",
        provider=Provider.keycloak_oidc(
            issuer_url="https://keycloak.example.com/realms/staff",
            groups_claim="groups",
            client_id="access-example-com",
        ),
        tls_secret_name="example-com-tls",
        autoscaling=Autoscaling(min_replicas=2, max_replicas=10),
        monitoring=Monitoring(labels={"release": "kube-prometheus-stack"}),
        alerts=Alerts(labels={"release": "kube-prometheus-stack"}),
    )
    ProtectedApp(
        "Dashboard",
        namespace=ns,
        host="dashboard.example.com",
        backend=ServiceRef("dashboard", 3000),
        proxy=access,
        tls_secret_name="example-com-tls",
        allowed_groups=["/ops"],
        controller=controller,
    )
    ProtectedApp(
        "Api",
        namespace=ns,
        host="api.example.com",
        backend=ServiceRef("api", 8080),
        proxy=access,
        paths=["/v1", "/v2"],
        tls_secret_name="example-com-tls",
        custom_http_errors=[502, 503],
        pass_through_401=True,
        controller=controller,
    )


def self_contained() -> None:
    ns = "whoami"
    # The backend as a Service of the program, as the chart's cdk8s-plus Service.
    service = k8s.core.v1.Service(
        "whoami-backend",
        metadata=k8s.meta.v1.ObjectMetaArgs(name="whoami", namespace=ns),
        spec=k8s.core.v1.ServiceSpecArgs(
            ports=[k8s.core.v1.ServicePortArgs(name="http", port=80, target_port=8080)]
        ),
    )
    ProtectedApp(
        "Whoami",
        namespace=ns,
        host="whoami.example.com",
        backend=service,
        provider=Provider.github(
            org="example-org", team="platform", client_id="Iv1.0123456789abcdef"
        ),
        tls_secret_name="whoami-tls",
    )


def gitlab() -> None:
    ProtectedApp(
        "Handbook",
        namespace="docs",
        host="handbook.example.com",
        backend=ServiceRef("handbook", 8080),
        provider=Provider.gitlab(
            issuer_url="https://gitlab.example.com",
            groups=["platform"],
            client_id="3f9c2a1b7d8e4f60a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2",
        ),
        secret=ProxySecret(name="handbook-oauth2-proxy-credentials"),
        tls_secret_name="handbook-tls",
    )


def google() -> None:
    ns = "intranet"
    access = OAuth2Proxy(
        "Access",
        namespace=ns,
        host="access.example.org",
        provider=Provider.google(
            client_id="123456789012-abcdefghijklmnopqrstuvwxyz012345.apps.googleusercontent.com"
        ),
        email_domains=["example.org", "subsidiary.example.org"],
        tls_secret_name="example-org-tls",
    )
    ProtectedApp(
        "Wiki",
        namespace=ns,
        host="wiki.example.org",
        backend=ServiceRef("wiki", 80),
        proxy=access,
        tls_secret_name="example-org-tls",
    )
    ProtectedApp(
        "Finance",
        namespace=ns,
        host="finance.example.org",
        backend=ServiceRef("finance", 8000),
        proxy=access,
        allowed_email_domains=["example.org"],
        tls_secret_name="example-org-tls",
    )


def entra_id() -> None:
    from examples.entra_id import ADMINS, STAFF

    ns = "corp"
    access = OAuth2Proxy(
        "Access",
        namespace=ns,
        host="login.corp.example.net",
        provider=Provider.entra_id(
            tenant_id="contoso.onmicrosoft.com",
            client_id="0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
        ),
        allowed_groups=[STAFF],
        set_authorization_header=True,
        trusted_proxy_ips=["10.244.0.0/16"],
        replicas=3,
        resources=ProxyResources(cpu_limit="1", memory_limit="256Mi"),
        tls_secret_name="corp-example-net-tls",
    )
    ProtectedApp(
        "Admin",
        namespace=ns,
        host="admin.corp.example.net",
        backend=ServiceRef("admin", 8080),
        proxy=access,
        allowed_groups=[ADMINS],
        pass_authorization_header=True,
        proxy_buffer_size="16k",
        tls_secret_name="corp-example-net-tls",
    )


def redis_sessions() -> None:
    ns = "analytics"
    access = OAuth2Proxy(
        "Access",
        namespace=ns,
        host="sso.example.com",
        provider=Provider.oidc(
            issuer_url="https://idp.example.com", groups_claim="roles", client_id="wiki"
        ),
        sessions=Sessions.redis(
            url="rediss://redis.sessions.svc.cluster.local:6380/0",
            password_secret="sessions-redis",
        ),
        tls_secret_name="example-com-tls",
    )
    ProtectedApp(
        "Superset",
        namespace=ns,
        host="superset.example.com",
        backend=ServiceRef("superset", 8088),
        proxy=access,
        allowed_groups=["analysts"],
        tls_secret_name="example-com-tls",
    )


def envoy_gateway() -> None:
    ProtectedApp(
        "Wiki",
        namespace="wiki",
        host="wiki.example.com",
        backend=ServiceRef("wiki", 8080),
        provider=Provider.oidc(
            issuer_url="https://login.example.com/realms/example", client_id="wiki"
        ),
        pass_through_401=True,
        controller=EnvoyGateway(gateway=GatewayRef("eg", "infra", section_name="https")),
    )


def envoy_gateway_shared() -> None:
    controller = EnvoyGateway(
        gateway=GatewayRef("eg", "infra", section_name="https"), version="1.9.0"
    )
    access = OAuth2Proxy(
        "OAuth2Proxy",
        namespace="auth",
        host="access.example.com",
        provider=Provider.keycloak_oidc(
            issuer_url="https://keycloak.example.com/realms/staff",
            groups_claim="groups",
            client_id="access-example-com",
        ),
        allowed_groups=["/staff"],
        controller=controller,
    )
    ProtectedApp(
        "Dashboard",
        host="dashboard.example.com",
        namespace="dashboard",
        backend=ServiceRef("dashboard", 3000),
        proxy=access,
        controller=controller,
    )
    ProtectedApp(
        "Api",
        host="api.example.com",
        namespace="api",
        backend=ServiceRef("api", 8080),
        proxy=access,
        paths=["/v1", "/v2"],
        pass_through_401=True,
        controller=controller,
    )


def _tool(controller: IngressNginx | EnvoyGateway) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PublicPathRegexWarning)  # as examples/path_kinds.py
        ProtectedApp(
            "Tool",
            namespace="tool",
            host="tool.example.com",
            backend=ServiceRef("tool", 8080),
            provider=Provider.oidc(
                issuer_url="https://login.example.com/realms/example", client_id="tool"
            ),
            api_paths=["/api"],
            public_paths=["/healthz", "/webhooks/github"],
            pass_through_401=True,
            controller=controller,
        )


def path_kinds() -> None:
    _tool(IngressNginx())


def envoy_gateway_path_kinds() -> None:
    _tool(EnvoyGateway(gateway=GatewayRef("eg", "infra", section_name="https")))


def envoy_gateway_migration() -> None:
    from examples.envoy_gateway_migration import CONTROLLER

    ns = "seed-example"
    access = OAuth2Proxy(
        "OAuth2Proxy",
        namespace=ns,
        host="access.example.com",
        provider=Provider.oidc(
            issuer_url="https://login.example.com/realms/example", client_id="example-app"
        ),
        controller=CONTROLLER,
    )
    ProtectedApp(
        "ExampleProtectedApp",
        namespace=ns,
        host="app.example.com",
        backend=ServiceRef("my-service", 80),
        proxy=access,
        pass_through_401=True,
        controller=CONTROLLER,
    )


SCENARIOS: dict[str, Callable[[], None]] = {
    "seed-example": seed_example,
    "shared-proxy": shared_proxy,
    "self-contained": self_contained,
    "gitlab": gitlab,
    "google": google,
    "entra-id": entra_id,
    "redis-sessions": redis_sessions,
    "envoy-gateway": envoy_gateway,
    "envoy-gateway-shared": envoy_gateway_shared,
    "envoy-gateway-migration": envoy_gateway_migration,
    "path-kinds": path_kinds,
    "envoy-gateway-path-kinds": envoy_gateway_path_kinds,
}


def _cdk8s_manifests() -> dict[str, list[dict[str, Any]]]:
    """Per example chart, the manifests of this package's constructs, as cdk8s synthesizes."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SnippetAnnotationWarning)
        charts = [chart for app in build_apps() for chart in app.charts]
    found: dict[str, list[dict[str, Any]]] = {}
    for chart in charts:
        # Every ApiObject the constructs make (Envoy Gateway's OAuth2Route, ReferenceGrant
        # and shared ClientTrafficPolicy have no property), not the chart's other objects.
        found[chart.node.id] = [
            child.to_json()
            for construct in chart.node.find_all()
            if isinstance(construct, (Cdk8sProxy, Cdk8sApp))
            for child in construct.node.children
            if isinstance(child, cdk8s.ApiObject)
        ]
    return found


@pytest.fixture(scope="module")
def cdk8s_manifests() -> dict[str, list[dict[str, Any]]]:
    return _cdk8s_manifests()


def test_every_example_chart_has_a_pulumi_scenario():
    assert set(SCENARIOS) == set(EXAMPLES)


@pytest.mark.parametrize("chart_id", sorted(SCENARIOS))
def test_children_inputs_equal_the_cdk8s_manifests(program, cdk8s_manifests, chart_id):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SnippetAnnotationWarning)
        program.run(SCENARIOS[chart_id])
    expected = by_kind_and_name(cdk8s_manifests[chart_id])
    assert expected, "the chart has no objects of this package"
    actual = by_kind_and_name(program.kubernetes_inputs())
    assert sorted(actual) == sorted(expected)
    for key, manifest in expected.items():
        # Numbers cross the engine as protobuf doubles (80 -> 80.0): equal as values.
        assert actual[key] == manifest, key


# --------------------------------------------------------------------------------------------
# The tree, the types, the names and the outputs.
# --------------------------------------------------------------------------------------------


def test_tree_types_and_names_of_a_shared_proxy_and_an_app(program):
    def build():
        access = OAuth2Proxy(
            "access",
            namespace="apps",
            host="access.example.com",
            provider=Provider.oidc(issuer_url="https://login.example.com"),
        )
        ProtectedApp(
            "dashboard",
            namespace="apps",
            host="dashboard.example.com",
            backend=ServiceRef("dashboard", 3000),
            proxy=access,
        )

    program.run(build)
    stack = "pulumi:pulumi:Stack"
    assert {name: urn.split("::")[2] for name, urn in program.urns.items()} == {
        "access": f"{stack}${PROXY_TYPE}",
        "access-deployment": f"{PROXY_TYPE}$kubernetes:apps/v1:Deployment",
        "access-service": f"{PROXY_TYPE}$kubernetes:core/v1:Service",
        "access-ingress": f"{PROXY_TYPE}$kubernetes:networking.k8s.io/v1:Ingress",
        "access-networkpolicy": f"{PROXY_TYPE}$kubernetes:networking.k8s.io/v1:NetworkPolicy",
        "access-poddisruptionbudget": f"{PROXY_TYPE}$kubernetes:policy/v1:PodDisruptionBudget",
        "dashboard": f"{stack}${APP_TYPE}",
        "dashboard-ingress": f"{APP_TYPE}$kubernetes:networking.k8s.io/v1:Ingress",
    }


def test_an_apps_own_proxy_is_a_child_component_of_the_app(program):
    def build():
        return ProtectedApp(
            "handbook",
            namespace="docs",
            host="handbook.example.com",
            backend=ServiceRef("handbook", 8080),
            provider=Provider.github(org="example-org"),
            controller=IngressNginx(version="1.15.1"),
        )

    app = program.run(build)
    types = {name: urn.split("::")[2] for name, urn in program.urns.items()}
    assert types["handbook-oauth2-proxy"] == f"{APP_TYPE}${PROXY_TYPE}"
    assert types["handbook-oauth2-proxy-deployment"] == (
        f"{PROXY_TYPE}$kubernetes:apps/v1:Deployment"
    )
    assert types["handbook-ingress"] == f"{APP_TYPE}$kubernetes:networking.k8s.io/v1:Ingress"
    assert program.mocks.inputs["handbook-oauth2-proxy-service"]["metadata"]["name"] == (
        "handbook-oauth2-proxy"
    )
    assert isinstance(app.proxy, OAuth2Proxy)
    assert app.proxy.service_name == "handbook-oauth2-proxy"


def test_registered_outputs(program):
    def build():
        access = OAuth2Proxy(
            "access",
            namespace="apps",
            host="access.example.com",
            provider=Provider.oidc(issuer_url="https://login.example.com"),
        )
        return ProtectedApp(
            "dashboard",
            namespace="apps",
            host="dashboard.example.com",
            backend=ServiceRef("dashboard", 3000),
            proxy=access,
            allowed_groups=["ops"],
        )

    app = program.run(build)
    auth = "http://access.apps.svc.cluster.local:80/oauth2/auth"
    assert program.monitor.outputs["access"] == {
        "host": "access.example.com",
        "service_name": "access",
        "auth_url": auth,
        "public_auth_url": "https://access.example.com/oauth2/auth",
        "signin_url": "https://access.example.com/oauth2/start",
    }
    assert program.monitor.outputs["dashboard"] == {
        "host": "dashboard.example.com",
        "ingress_name": "dashboard",
        "proxy_host": "access.example.com",
        "proxy_service_name": "access",
        "auth_url": auth + "?allowed_groups=ops",
        "signin_url": "https://access.example.com/oauth2/start",
    }
    assert (app.host, app.auth_url, app.proxy.auth_url) == (
        "dashboard.example.com",
        auth + "?allowed_groups=ops",
        auth,
    )
    assert app.pass_through_strategy is None


@pytest.mark.filterwarnings("ignore::oauth_ingress_construct.SnippetAnnotationWarning")
def test_camel_case_field_names_reach_the_provider_unchanged(program):
    program.run(seed_example)
    deployment = program.mocks.inputs["OAuth2Proxy-deployment"]
    pod = deployment["spec"]["template"]["spec"]
    assert pod["automountServiceAccountToken"] is False
    assert "securityContext" in pod
    assert "topologySpreadConstraints" in pod
    assert "automount_service_account_token" not in pod
    ingress = program.mocks.inputs["ExampleProtectedApp-ingress"]
    assert ingress["spec"]["ingressClassName"] == "nginx"


# --------------------------------------------------------------------------------------------
# A backend Service of the same program.
# --------------------------------------------------------------------------------------------


def _service(name="whoami", namespace="apps", ports=(80,), resource_name="backend"):
    return k8s.core.v1.Service(
        resource_name,
        metadata=k8s.meta.v1.ObjectMetaArgs(name=name, namespace=namespace),
        spec=k8s.core.v1.ServiceSpecArgs(
            ports=[k8s.core.v1.ServicePortArgs(port=p, name=f"p{p}") for p in ports]
        ),
    )


def _app_on(backend, **kwargs):
    return ProtectedApp(
        "app",
        namespace="apps",
        host="app.example.com",
        backend=backend,
        provider=Provider.oidc(issuer_url="https://login.example.com"),
        **kwargs,
    )


def _backend_of(inputs):
    return inputs["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]


def test_a_service_backend_resolves_its_name_and_port_and_is_a_dependency(program):
    program.run(lambda: _app_on(_service(ports=(8080, 9090)), backend_port=9090))
    assert _backend_of(program.mocks.inputs["app-ingress"]) == {
        "name": "whoami",
        "port": {"number": 9090},
    }
    backend_urn = program.urns["backend"]
    assert backend_urn in program.monitor.dependencies["app-ingress"]


def test_a_service_backend_whose_name_is_an_output(program):
    def build():
        name = pulumi.Output.from_input("whoami").apply(lambda n: n)
        return _app_on(_service(name=name))

    app = program.run(build)
    assert _backend_of(program.mocks.inputs["app-ingress"]) == {
        "name": "whoami",
        "port": {"number": 80},
    }
    seen: list[ServiceRef] = []
    program.run(lambda: app.backend.apply(seen.append))
    assert seen == [ServiceRef("whoami", 80)]


@pytest.mark.parametrize(
    ("service_kwargs", "app_kwargs", "message"),
    [
        ({"ports": (80, 81)}, {}, r"backend_port must be one of the Service's ports \[80, 81\]"),
        ({}, {"backend_port": 81}, r"backend_port must be one of the Service's ports \[80\]"),
        ({"namespace": "other"}, {}, r"backend must be a Service in the app's namespace 'apps'"),
        ({"name": "9lives"}, {}, r"backend must be a DNS-1123 label that starts with a letter"),
    ],
)
def test_fails_when_a_service_backend_resolves_to_something_unusable(
    program, service_kwargs, app_kwargs, message
):
    # Raised inside the Output's apply; Pulumi reports it as the Ingress's ValueError.
    with pytest.raises(ValueError, match=message) as raised:
        program.run(lambda: _app_on(_service(**service_kwargs), **app_kwargs))
    causes: list[BaseException] = []
    todo: list[BaseException | None] = [raised.value]
    while todo:  # causes and contexts; the chain may loop
        error = todo.pop()
        if error is not None and all(error is not e for e in causes):
            causes.append(error)
            todo += [error.__cause__, error.__context__]
    assert any(isinstance(e, ConfigurationError) for e in causes)
    assert "While processing resource: 'app-ingress'" in str(raised.value)


def test_fails_on_a_backend_port_out_of_range_before_anything_is_registered(program):
    def build():
        service = _service()
        with pytest.raises(ConfigurationError, match="backend_port must be an integer"):
            _app_on(service, backend_port=70000)

    program.run(build)
    assert "app" not in program.mocks.inputs


def test_namespace_defaults_to_default_with_a_warning(program):
    def build():
        with pytest.warns(NamespaceFallbackWarning, match="OAuth2Proxy 'access': no namespace="):
            return OAuth2Proxy("access", host="access.example.com", provider=OIDC)

    access = program.run(build)
    assert access.namespace == "default"
    assert program.mocks.inputs["access-service"]["metadata"]["namespace"] == "default"


def test_fails_on_a_backend_that_is_neither():
    Program()
    with pytest.raises(ConfigurationError, match="backend must be a pulumi_kubernetes"):
        _app_on("whoami")


# --------------------------------------------------------------------------------------------
# Bad input: the same ConfigurationErrors as the cdk8s constructs, nothing registered.
# --------------------------------------------------------------------------------------------

OIDC = Provider.oidc(issuer_url="https://login.example.com")

BAD_PROXY_ARGS = [
    {"bearer_tokens": "on"},
    {"provider": Provider.github(org="acme"), "bearer_tokens": BearerTokens(audiences=["api"])},
    {"bearer_tokens": BearerTokens(extra_issuers=[("https://login.example.com", "api")])},
    {"host": "https://access.example.com"},
    {"replicas": 0},
    {"email_domains": []},
    {"extra_args": ["--cookie-secure=false"]},
    {"name": "Bad_Name"},
    {"namespace": "Apps"},
    {"autoscaling": Autoscaling(), "replicas": 3},
    {"autoscaling": Autoscaling(), "resources": ProxyResources(cpu_request="0")},
    {"autoscaling": Autoscaling(cpu_utilization=3000)},
    {"autoscaling": {"min_replicas": 2}},
    {"monitoring": Monitoring(), "metrics_namespace": None},
    {"monitoring": "PodMonitor"},
    {"alerts": Alerts()},
    {"alerts": "on", "monitoring": Monitoring()},
]

BAD_APP_ARGS = [
    {"provider": Provider.google(hosted_domain="example.com"), "bearer_tokens": BearerTokens()},
    {"host": "*.example.com"},
    {"backend_port": 80},
    {"provider": None},
    {"paths": []},
    {"allowed_emails": ["a@example.com"]},
    {"pass_through_401_strategy": PassThroughStrategy.SERVER_SNIPPET},
    {"proxy_buffer_size": "lots"},
    {"auth_cache": True, "auth_cache_duration": "2h"},
    {"auth_cache_duration": 30},
    {"custom_http_errors": [200]},
    {"namespace": "x" * 64},
]


def _message(build: Callable[[], Any]) -> str:
    with pytest.raises(ConfigurationError) as raised:
        build()
    return str(raised.value)


@pytest.mark.parametrize("bad", BAD_PROXY_ARGS, ids=lambda b: next(iter(b)))
def test_fails_on_bad_proxy_arguments_as_the_cdk8s_construct_does(chart, program, bad):
    args = {"host": "access.example.com", "provider": OIDC, "namespace": "apps", **bad}
    expected = _message(lambda: Cdk8sProxy(chart, "Access", **args))

    def build():
        assert _message(lambda: OAuth2Proxy("Access", **args)) == expected

    program.run(build)
    assert program.mocks.inputs == {}


@pytest.mark.parametrize("controller", [None, EnvoyGateway(gateway=GatewayRef("eg", "infra"))])
def test_an_operated_proxy_has_the_cdk8s_constructs_objects(chart, program, controller):
    """Autoscaler, PodMonitor and rule: typed HPA, custom resources, the same manifests."""
    args = {
        "host": "access.example.com",
        "provider": OIDC,
        "namespace": "apps",
        "controller": controller,
        "autoscaling": Autoscaling(min_replicas=1, max_replicas=5, cpu_utilization=60),
        "monitoring": Monitoring(kind=MonitorKind.POD_MONITOR, interval="15s"),
        "alerts": Alerts(error_ratio=0.01, latency_seconds=0.25, duration="10m"),
    }
    proxy = Cdk8sProxy(chart, "Access", **args)
    expected = by_kind_and_name([child.to_json() for child in proxy.node.children])

    def build():
        made = OAuth2Proxy("access", **args)
        assert made.horizontal_pod_autoscaler is not None
        assert made.monitor is not None
        assert made.prometheus_rule is not None

    program.run(build)
    assert by_kind_and_name(program.kubernetes_inputs()) == expected
    assert {"HorizontalPodAutoscaler", "PodMonitor", "PrometheusRule"} <= {k for k, _ in expected}
    assert "replicas" not in expected[("Deployment", "access")]["spec"]
    types = program.mocks.types
    assert types["access-horizontalpodautoscaler"] == (
        "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
    )
    assert types["access-podmonitor"] == "kubernetes:monitoring.coreos.com/v1:PodMonitor"
    assert types["access-prometheusrule"] == "kubernetes:monitoring.coreos.com/v1:PrometheusRule"


@pytest.mark.parametrize("bad", BAD_APP_ARGS, ids=lambda b: next(iter(b)))
def test_fails_on_bad_app_arguments_as_the_cdk8s_construct_does(chart, program, bad):
    args = {
        "host": "app.example.com",
        "backend": ServiceRef("app", 80),
        "provider": OIDC,
        "namespace": "apps",
        **bad,
    }
    expected = _message(lambda: Cdk8sApp(chart, "App", **args))

    def build():
        assert _message(lambda: ProtectedApp("App", **args)) == expected

    program.run(build)
    assert program.mocks.inputs == {}


def test_fails_on_a_cdk8s_proxy_given_to_a_pulumi_app(chart, program):
    cdk8s_proxy = Cdk8sProxy(chart, "Access", host="access.example.com", provider=OIDC)

    def build():
        with pytest.raises(ConfigurationError, match="proxy must be an oauth_ingress_construct"):
            ProtectedApp(
                "app",
                namespace="apps",
                host="app.example.com",
                backend=ServiceRef("app", 80),
                proxy=cdk8s_proxy,
            )

    program.run(build)


def test_fails_on_program_wide_conflicts_and_takes_the_claims_back(program):
    def build():
        OAuth2Proxy("access", namespace="apps", host="access.example.com", provider=OIDC)
        # Same Kubernetes names in the same namespace.
        with pytest.raises(ConfigurationError, match="a Deployment named 'access' in namespace"):
            OAuth2Proxy(
                "access-2", name="access", namespace="apps", host="sso.example.com", provider=OIDC
            )
        # Same host and path as the first proxy's /oauth2.
        with pytest.raises(ConfigurationError, match=r"'access\.example\.com' path '/oauth2'"):
            OAuth2Proxy("other", namespace="apps", host="access.example.com", provider=OIDC)
        # The failed proxies' claims were taken back: their names and hosts are free.
        OAuth2Proxy("access-3", name="sso", namespace="apps", host="sso.example.com", provider=OIDC)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SnippetAnnotationWarning)
            _app_on(ServiceRef("app", 80), pass_through_401=True)
            with pytest.raises(ConfigurationError, match="already has a server-snippet"):
                ProtectedApp(
                    "app-2",
                    namespace="apps",
                    host="app.example.com",
                    paths=["/other"],
                    backend=ServiceRef("app", 80),
                    provider=OIDC,
                    pass_through_401=True,
                )

    program.run(build)
    assert "access-2" not in program.mocks.inputs
    assert "other" not in program.mocks.inputs
    assert "app-2" not in program.mocks.inputs


@pytest.mark.filterwarnings("ignore::oauth_ingress_construct.SnippetAnnotationWarning")
def test_a_new_program_run_starts_with_a_fresh_inventory():
    for _ in range(2):
        Program().run(seed_example)


def test_objects_on_another_kubernetes_provider_do_not_conflict(program):
    def build():
        other = k8s.Provider("other-cluster")
        seed_example()
        OAuth2Proxy(
            "OAuth2Proxy-elsewhere",
            name="oauth2-proxy",
            namespace="seed-example",
            host="access.example.com",
            provider=Provider.oidc(issuer_url="https://login.example.com/realms/example"),
            opts=pulumi.ResourceOptions(provider=other),
        )

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SnippetAnnotationWarning)
        program.run(build)
    assert "OAuth2Proxy-elsewhere-deployment" in program.mocks.inputs


# --------------------------------------------------------------------------------------------
# The example program, and imports without cdk8s.
# --------------------------------------------------------------------------------------------


def test_example_program_builds_the_seed_chart_and_a_second_app(program, monkeypatch):
    exports: dict[str, Any] = {}
    monkeypatch.setattr(pulumi, "export", exports.__setitem__)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SnippetAnnotationWarning)
        program.run(lambda: runpy.run_path(str(ROOT / "examples" / "pulumi" / "__main__.py")))
    actual = by_kind_and_name(program.kubernetes_inputs())
    golden = by_kind_and_name(
        [d for d in yaml.safe_load_all((ROOT / "dist" / "seed-example.k8s.yaml").read_text()) if d]
    )
    for key, manifest in golden.items():
        assert actual.pop(key) == manifest, key
    assert list(actual) == [("Ingress", "whoami")]
    assert _backend_of(actual["Ingress", "whoami"]) == {"name": "whoami", "port": {"number": 80}}
    assert program.urns["whoami-service"] in program.monitor.dependencies["whoami-ingress"]
    assert exports == {
        "signin_url": "https://access.example.com/oauth2/start",
        "auth_url": "http://oauth2-proxy.seed-example.svc.cluster.local:80/oauth2/auth",
        "hosts": ["app.example.com", "whoami.example.com"],
    }


def test_example_program_on_envoy_gateway_builds_the_migration_chart_and_a_second_app(
    program, monkeypatch
):
    exports: dict[str, Any] = {}
    monkeypatch.setattr(pulumi, "export", exports.__setitem__)
    main = ROOT / "examples" / "pulumi" / "envoy_gateway" / "__main__.py"
    program.run(lambda: runpy.run_path(str(main)))
    actual = by_kind_and_name(program.kubernetes_inputs())
    path = ROOT / "dist" / "envoy-gateway-migration.k8s.yaml"
    golden = by_kind_and_name([d for d in yaml.safe_load_all(path.read_text()) if d])
    for key, manifest in golden.items():
        assert actual.pop(key) == manifest, key
    # whoami: its route, its policy and the proxy's /oauth2 on its host; the listener's
    # ClientTrafficPolicy is the seed app's, emitted once
    assert sorted(actual) == [
        ("HTTPRoute", "oauth2-proxy.whoami.example.com"),
        ("HTTPRoute", "whoami"),
        ("SecurityPolicy", "whoami"),
    ]
    route = actual["HTTPRoute", "whoami"]["spec"]
    assert route["hostnames"] == ["whoami.example.com"]
    assert route["rules"][0]["backendRefs"] == [{"name": "whoami", "port": 80}]
    assert actual["HTTPRoute", "oauth2-proxy.whoami.example.com"]["spec"]["hostnames"] == [
        "whoami.example.com"
    ]
    assert program.urns["whoami-service"] in program.monitor.dependencies["whoami-httproute"]
    assert exports == {
        "signin_url": "https://access.example.com/oauth2/start",
        "hosts": ["app.example.com", "whoami.example.com"],
    }


NO_CDK8S = """
import sys
import oauth_ingress_construct
from oauth_ingress_construct import Provider, ServiceRef
from oauth_ingress_construct._core.appspec import resolve_app
from oauth_ingress_construct._targets.ingress_nginx import app_manifests, plan_app
import oauth_ingress_construct.pulumi
spec = resolve_app(name="app", namespace="apps", host="app.example.com",
                   backend=ServiceRef("app", 80), proxy=None,
                   provider=Provider.oidc(issuer_url="https://login.example.com"))
assert app_manifests(spec, plan_app(spec))["Ingress"]["kind"] == "Ingress"
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("cdk8s", "cdk8s_plus_28",
                                                              "constructs", "jsii"))
assert loaded == [], loaded
print("ok")
"""


def test_core_and_pulumi_front_end_import_without_cdk8s_or_node(tmp_path):
    # A PATH with the interpreter's directory only: no node to start.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(sys.executable)
    env = {**os.environ, "PATH": str(bin_dir)}
    assert shutil.which("node", path=env["PATH"]) is None
    result = subprocess.run(
        [sys.executable, "-c", NO_CDK8S],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


# --------------------------------------------------------------------------------------------
# Envoy Gateway: the same controller= as the cdk8s constructs.
# --------------------------------------------------------------------------------------------

GW = GatewayRef("eg", "infra", section_name="https")
EG = EnvoyGateway(gateway=GW)
EG_PARENT = {
    "group": "gateway.networking.k8s.io",
    "kind": "Gateway",
    "name": "eg",
    "namespace": "infra",
    "sectionName": "https",
}


def _envoy_proxy(**kwargs):
    args = {"namespace": "auth", "host": "access.example.com", "provider": OIDC, "controller": EG}
    return OAuth2Proxy("auth", **{**args, **kwargs})


def _envoy_app(resource_name="dash", **kwargs):
    args = {
        "namespace": "apps",
        "host": "dash.example.com",
        "backend": ServiceRef("dash", 3000),
        "controller": EG,
    }
    return ProtectedApp(resource_name, **{**args, **kwargs})


def test_envoy_gateway_tree_types_names_and_outputs(program):
    def build():
        app = _envoy_app(proxy=_envoy_proxy(), pass_through_401=True)
        own = _envoy_app("own", host="own.example.com", provider=OIDC)
        return app, own

    app, own = program.run(build)
    types = {name: urn.split("::")[2] for name, urn in program.urns.items()}
    gateway_api = "kubernetes:gateway.networking.k8s.io"
    envoy_api = "kubernetes:gateway.envoyproxy.io/v1alpha1"
    assert types["auth-httproute"] == f"{PROXY_TYPE}${gateway_api}/v1:HTTPRoute"
    assert "auth-ingress" not in types
    assert types["dash-httproute"] == f"{APP_TYPE}${gateway_api}/v1:HTTPRoute"
    assert types["dash-securitypolicy"] == f"{APP_TYPE}${envoy_api}:SecurityPolicy"
    # The proxy's /oauth2 on the app's host: the proxy's, which outlives each app.
    assert types["auth-oauth2route-auth.dash.example.com"] == (
        f"{PROXY_TYPE}${gateway_api}/v1:HTTPRoute"
    )
    assert types["dash-referencegrant"] == f"{APP_TYPE}${gateway_api}/v1beta1:ReferenceGrant"
    # One ClientTrafficPolicy for the listener, the stack's, whichever app needs it first.
    assert (
        types["infra/eg-https-identity-headers"] == f"{STACK_TYPE}${envoy_api}:ClientTrafficPolicy"
    )
    assert not [n for n in types if n.endswith("clienttrafficpolicy")]
    assert types["own-oauth2-proxy-httproute"] == f"{PROXY_TYPE}${gateway_api}/v1:HTTPRoute"
    assert not [t for t in types.values() if t.endswith(":Ingress")]
    policy = program.mocks.inputs["infra/eg-https-identity-headers"]
    assert policy["metadata"] == {"name": "eg-https-identity-headers", "namespace": "infra"}
    args = program.mocks.inputs["own-oauth2-proxy-deployment"]["spec"]["template"]["spec"][
        "containers"
    ][0]["args"]
    assert "--upstream=static://200" in args

    assert program.monitor.outputs["auth"] == {
        "host": "access.example.com",
        "service_name": "auth",
        "http_route_name": "auth",
        "parent_ref": EG_PARENT,
        "signin_url": "https://access.example.com/oauth2/start",
    }
    assert program.monitor.outputs["dash"] == {
        "host": "dash.example.com",
        "http_route_name": "dash",
        "security_policy_name": "dash",
        "parent_ref": EG_PARENT,
        "client_traffic_policy_name": "eg-https-identity-headers",
        "proxy_host": "access.example.com",
        "proxy_service_name": "auth",
    }
    assert app.ingress is None
    assert app.auth_url is None
    assert app.http_route is not None
    assert app.security_policy is not None
    assert app.proxy.http_route is not None
    assert app.proxy.ingress is None
    assert app.controller == EG  # a checked copy (_core.sealed.recheck)
    assert own.proxy.controller == EG
    assert app.pass_through_strategy is PassThroughStrategy.NONE_NEEDED


def test_the_client_traffic_policy_is_emitted_once_per_listener_and_per_program():
    internal = EnvoyGateway(gateway=GatewayRef("eg", "infra", section_name="internal"))

    def build():
        proxy = _envoy_proxy()
        _envoy_app("one", host="one.example.com", proxy=proxy)
        _envoy_app("two", host="two.example.com", proxy=proxy)
        _envoy_app("three", host="three.example.com", provider=OIDC, controller=internal)

    for _ in range(2):  # a new program run emits them again
        program = Program()
        program.run(build)
        policies = {
            name: inputs["metadata"]["name"]
            for name, inputs in program.mocks.inputs.items()
            if program.mocks.types[name] == CTP_TYPE
        }
        assert policies == {
            "infra/eg-https-identity-headers": "eg-https-identity-headers",
            "infra/eg-internal-identity-headers": "eg-internal-identity-headers",
        }


def test_a_foreign_gateway_gets_no_policy_and_the_warning_points_at_the_caller(program):
    foreign = EnvoyGateway(gateway=GW, client_traffic_policy=False)

    def build():
        with pytest.warns(ClientTrafficPolicyWarning, match="is not this program's") as record:
            _envoy_app(provider=OIDC, controller=foreign)
        assert {w.filename for w in record} == {__file__}

    program.run(build)
    assert not [n for n, t in program.mocks.types.items() if t == CTP_TYPE]
    assert "client_traffic_policy_name" not in program.monitor.outputs["dash"]


def test_an_envoy_route_to_a_service_backend_resolves_and_depends_on_it(program):
    program.run(
        lambda: _envoy_app(backend=_service(ports=(8080, 9090)), backend_port=9090, provider=OIDC)
    )
    route = program.mocks.inputs["dash-httproute"]
    assert route["spec"]["rules"][0]["backendRefs"] == [{"name": "whoami", "port": 9090}]
    assert program.urns["backend"] in program.monitor.dependencies["dash-httproute"]
    # The SecurityPolicy names the proxy, not the backend: it does not wait for the Service.
    assert program.urns["backend"] not in program.monitor.dependencies["dash-securitypolicy"]


ENVOY_BAD_PROXY_ARGS = [
    {"ingress_class_name": "public"},
    {"tls_secret_name": "tls"},
    {"ingress_controller_namespace": "nginx"},
    {"extra_args": ["--cookie-refresh=1h"]},
    {"extra_args": ["--force-json-errors=true"]},
    {"extra_args": ["--api-route=/_oauth2"]},
    {"extra_args": ["--cookie-samesite=strict"]},
    {"extra_args": ["--cookie-name=__Host-sso"]},
    {"extra_args": ["--skip-provider-button=false"]},
    {"controller": "envoy"},
]

ENVOY_BAD_APP_ARGS = [
    {"pass_through_401_strategy": PassThroughStrategy.SERVER_SNIPPET},
    {"custom_http_errors": [503]},
    {"proxy_buffer_size": "16k"},
    {"auth_cache": True},
    {"auth_cache_duration": "30s"},
    {"public_auth_url": True},
    {"ingress_class_name": "public"},
    {"tls_secret_name": "tls"},
    {"allowed_groups": ["ops"]},
    {"allowed_email_domains": ["example.com"]},
    {"controller": "eg"},
    {"controller": EnvoyGateway(gateway=GW, response_override_401=True), "pass_through_401": True},
]


@pytest.mark.parametrize("bad", ENVOY_BAD_PROXY_ARGS, ids=str)
def test_fails_on_envoy_proxy_arguments_as_the_cdk8s_construct_does(chart, program, bad):
    args = {
        "host": "access.example.com",
        "provider": OIDC,
        "namespace": "auth",
        "controller": EG,
        **bad,
    }
    expected = _message(lambda: Cdk8sProxy(chart, "Access", **args))

    def build():
        assert _message(lambda: OAuth2Proxy("Access", **args)) == expected

    program.run(build)
    assert program.mocks.inputs == {}


@pytest.mark.parametrize("bad", ENVOY_BAD_APP_ARGS, ids=str)
@pytest.mark.parametrize("own_proxy", [False, True], ids=["shared-proxy", "own-proxy"])
def test_fails_on_envoy_app_arguments_as_the_cdk8s_construct_does(chart, program, bad, own_proxy):
    args = {
        "host": "app.example.com",
        "backend": ServiceRef("app", 80),
        "namespace": "apps",
        "controller": EG,
        **bad,
    }
    proxy_args = {"host": "access.example.com", "provider": OIDC, "namespace": "auth"}
    proxy_args["controller"] = EG
    if own_proxy:
        args["provider"] = OIDC
        expected = _message(lambda: Cdk8sApp(chart, "App", **args))
    else:
        cdk8s_proxy = Cdk8sProxy(chart, "Auth", **proxy_args)
        expected = _message(lambda: Cdk8sApp(chart, "App", proxy=cdk8s_proxy, **args))

    def build():
        proxy = None if own_proxy else OAuth2Proxy("Auth", **proxy_args)
        assert _message(lambda: ProtectedApp("App", proxy=proxy, **args)) == expected

    program.run(build)
    assert not [name for name in program.mocks.inputs if name.startswith("App")]


@pytest.mark.parametrize(
    ("app_controller", "proxy_controller"),
    [(EG, None), (None, EG), (IngressNginx(), EG)],
    ids=["envoy-app-nginx-proxy", "nginx-app-envoy-proxy", "described-nginx-app-envoy-proxy"],
)
def test_fails_on_an_app_and_proxy_of_different_targets_as_the_cdk8s_construct_does(
    chart, program, app_controller, proxy_controller
):
    proxy_args = {
        "host": "access.example.com",
        "provider": OIDC,
        "namespace": "auth",
        "name": "auth",
        "controller": proxy_controller,
    }
    args = {
        "host": "app.example.com",
        "backend": ServiceRef("app", 80),
        "namespace": "apps",
        "controller": app_controller,
    }
    cdk8s_proxy = Cdk8sProxy(chart, "Auth", **proxy_args)
    expected = _message(lambda: Cdk8sApp(chart, "App", proxy=cdk8s_proxy, **args))
    assert expected.startswith("controller: the app targets")

    def build():
        proxy = OAuth2Proxy("Auth", **proxy_args)
        assert _message(lambda: ProtectedApp("App", proxy=proxy, **args)) == expected

    program.run(build)
    assert not [name for name in program.mocks.inputs if name.startswith("App")]


def test_fails_on_two_routes_for_one_host_and_path_on_one_gateway_and_takes_claims_back(
    program,
):
    def build():
        proxy = _envoy_proxy()
        _envoy_app("one", proxy=proxy)
        with pytest.raises(
            ConfigurationError,
            match=r"host: 'dash\.example\.com' path 'Prefix:/' on Gateway infra/eg listener "
            r"'https' is already routed by ProtectedApp 'one'",
        ):
            _envoy_app("two", proxy=proxy, name="two")
        # The proxy's /oauth2 on its host, claimed on the Gateway.
        with pytest.raises(
            ConfigurationError,
            match=r"host: 'access\.example\.com' path 'Prefix:/oauth2' on Gateway infra/eg "
            r"listener 'https' is already routed by OAuth2Proxy 'auth'",
        ):
            _envoy_proxy(name="auth-2")
        _envoy_app("three", proxy=proxy, name="two", host="three.example.com")

    program.run(build)
    assert "two" not in program.mocks.inputs
    assert "auth-2" not in program.mocks.inputs
    # The failed app's name was taken back: another app uses it.
    assert program.mocks.inputs["three-httproute"]["metadata"]["name"] == "two"


@pytest.mark.parametrize(
    ("pulumi_cls", "cdk8s_cls"), [(OAuth2Proxy, Cdk8sProxy), (ProtectedApp, Cdk8sApp)]
)
def test_the_same_keyword_arguments_and_defaults_as_the_cdk8s_construct(pulumi_cls, cdk8s_cls):
    import inspect

    def keywords(cls, skip):
        params = inspect.signature(cls.__init__).parameters.values()
        return {p.name: p.default for p in params if p.kind is p.KEYWORD_ONLY and p.name != skip}

    assert keywords(pulumi_cls, "opts") == keywords(cdk8s_cls, None)
    assert "controller" in keywords(pulumi_cls, "opts")


@pytest.mark.parametrize("controller", [None, EnvoyGateway(gateway=GW)], ids=["nginx", "envoy"])
def test_an_app_whose_proxy_accepts_bearer_tokens_has_the_cdk8s_constructs_objects(
    chart, program, controller
):
    """The flags and (on Envoy Gateway) the SecurityPolicies, identical on both front ends."""
    args = {
        "host": "app.example.com",
        "backend": ServiceRef("app", 80),
        "provider": OIDC,
        "namespace": "apps",
        "controller": controller,
        "api_paths": ["/api/"],
        "bearer_tokens": BearerTokens(
            audiences=["app-api"], extra_issuers=[("https://ci.example.com", "app-api")]
        ),
    }
    app = Cdk8sApp(chart, "App", **args)
    expected = by_kind_and_name(cdk8s.Chart.of(app).to_json())

    def build():
        ProtectedApp("app", **args)

    program.run(build)
    actual = by_kind_and_name(program.kubernetes_inputs())
    assert {k: v for k, v in actual.items() if k[0] != "ClientTrafficPolicy"} == {
        k: v for k, v in expected.items() if k[0] != "ClientTrafficPolicy"
    }
    args_of_proxy = expected[("Deployment", "app-oauth2-proxy")]["spec"]["template"]["spec"][
        "containers"
    ][0]["args"]
    assert "--extra-jwt-issuers=https://ci.example.com=app-api" in args_of_proxy


# --------------------------------------------------------------------------------------------
# What reaches the resources is what was checked (tests/test_checked_values.py for cdk8s).
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["subclass", "changed"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_fails_on_a_value_object_that_skipped_or_outlived_its_checks_as_cdk8s_does(
    chart, program, case, how
):
    expected = _message(lambda: build_cdk8s(chart, case, bad_value(case, how)))
    cls = OAuth2Proxy if case.where == "proxy" else ProtectedApp

    def build():
        made = _message(lambda: cls("Construct", **construct_args(case, bad_value(case, how))))
        assert made == expected

    program.run(build)
    assert program.mocks.inputs == {}


def test_a_controller_changed_after_the_app_was_made_does_not_reach_its_later_route(program):
    controller = EnvoyGateway(gateway=GatewayRef("eg", "infra", section_name="https"))

    def build():
        # The route waits for the Service: it is made after this function returns.
        _envoy_app(backend=_service(), provider=OIDC, controller=controller)
        changed(controller.gateway, name="elsewhere")

    program.run(build)
    route = program.mocks.inputs["dash-httproute"]["spec"]
    assert route["parentRefs"] == [EG_PARENT]


def test_fails_when_the_apps_checked_controller_changed_before_its_route_was_made(program):
    controller = EnvoyGateway(gateway=GatewayRef("eg", "infra", section_name="https"))

    def build():
        app = _envoy_app(backend=_service(), provider=OIDC, controller=controller)
        changed(app.controller.gateway, name="elsewhere")

    with pytest.raises(
        ValueError,
        match=r"GatewayRef.name must be the value it had when it was checked \('eg'\): .* "
        r"got 'elsewhere'$",
    ):
        program.run(build)
    assert "dash-httproute" not in program.mocks.inputs


# --------------------------------------------------------------------------------------------
# Kubernetes providers, and who owns the objects several apps share.
# --------------------------------------------------------------------------------------------


def _group_on(provider: pulumi.ProviderResource) -> pulumi.ComponentResource:
    """A component of the user's whose children inherit ``provider``."""
    return pulumi.ComponentResource(
        "test:index:Group", "group", None, pulumi.ResourceOptions(providers=[provider])
    )


@pytest.mark.parametrize("controller", [None, EG], ids=["ingress-nginx", "envoy-gateway"])
@pytest.mark.parametrize("elsewhere", ["proxy", "app"])
def test_fails_on_an_app_and_its_shared_proxy_on_different_kubernetes_providers(
    program, controller, elsewhere
):
    def build():
        other = pulumi.ResourceOptions(provider=k8s.Provider("other-cluster"))
        proxy = OAuth2Proxy(
            "access",
            namespace="auth",
            host="access.example.com",
            provider=OIDC,
            controller=controller,
            opts=other if elsewhere == "proxy" else None,
        )
        here, there = "the default Kubernetes provider", "the Kubernetes provider 'other-cluster'"
        if elsewhere == "app":
            here, there = there, here
        with pytest.raises(
            ConfigurationError,
            match=rf"^proxy: OAuth2Proxy 'access' deploys through {there}, and this app "
            rf"through {here}: .* Give the app the proxy's Kubernetes provider",
        ):
            ProtectedApp(
                "dash",
                namespace="apps",
                host="dash.example.com",
                backend=ServiceRef("dash", 3000),
                proxy=proxy,
                controller=controller,
                opts=other if elsewhere == "app" else None,
            )

    program.run(build)
    assert not [name for name in program.mocks.inputs if name.startswith("dash")]


def test_an_app_and_its_proxy_on_one_provider_given_or_inherited_pass(program):
    def build():
        other = k8s.Provider("other-cluster")
        proxy = OAuth2Proxy(
            "access",
            namespace="auth",
            host="access.example.com",
            provider=OIDC,
            opts=pulumi.ResourceOptions(provider=other),
        )
        ProtectedApp(
            "dash",
            namespace="apps",
            host="dash.example.com",
            backend=ServiceRef("dash", 3000),
            proxy=proxy,
            opts=pulumi.ResourceOptions(parent=_group_on(other)),
        )

    program.run(build)
    assert "dash-ingress" in program.mocks.inputs


def test_two_providers_never_both_emit_the_one_client_traffic_policy(program):
    foreign = EnvoyGateway(gateway=GW, client_traffic_policy=False)

    def build():
        other = pulumi.ResourceOptions(provider=k8s.Provider("other-cluster"))
        _envoy_app("one", host="one.example.com", provider=OIDC, opts=other)
        with pytest.raises(
            ConfigurationError,
            match=r"^controller: the ClientTrafficPolicy infra/eg-https-identity-headers is "
            r"already emitted through the Kubernetes provider 'other-cluster' \(by ProtectedApp "
            r"'one'\), and this app deploys through the default Kubernetes provider\. A program "
            r"emits it once",
        ):
            _envoy_app("two", host="two.example.com", provider=OIDC)
        # The fix for a Gateway of another cluster: that Gateway's policy is not ours.
        with pytest.warns(ClientTrafficPolicyWarning):
            _envoy_app("three", host="two.example.com", provider=OIDC, controller=foreign)
        _envoy_app("four", host="four.example.com", provider=OIDC, opts=other)

    program.run(build)
    policies = [name for name, t in program.mocks.types.items() if t == CTP_TYPE]
    assert policies == ["infra/eg-https-identity-headers"]
    # The stack's own resource, through the provider of the app that needed it first.
    provider = program.monitor.providers["infra/eg-https-identity-headers"]
    assert provider.startswith(program.urns["other-cluster"] + "::")
    assert not [name for name in program.mocks.inputs if name.startswith("two")]
    assert "three-httproute" in program.mocks.inputs
    assert "four-httproute" in program.mocks.inputs


def _shared_urns(program: Program) -> dict[str, str]:
    """The URNs of the shared objects (ClientTrafficPolicies, /oauth2 routes on app hosts)."""
    return {
        name: urn
        for name, urn in program.urns.items()
        if program.mocks.types[name] == CTP_TYPE or "oauth2route" in name
    }


@pytest.mark.parametrize("shared_proxy", [True, False], ids=["shared-proxy", "own-proxies"])
def test_removing_the_first_app_keeps_the_shared_objects_under_the_same_urns(shared_proxy):
    def build(with_first: bool) -> None:
        proxy = _envoy_proxy() if shared_proxy else None
        own = {} if shared_proxy else {"provider": OIDC}
        if with_first:
            _envoy_app("first", proxy=proxy, paths=["/"], **own)
        host = "dash.example.com" if shared_proxy else "second.example.com"
        _envoy_app("second", host=host, proxy=proxy, paths=["/api"], **own)

    runs = []
    for with_first in (True, False):
        program = Program()
        program.run(lambda: build(with_first))  # noqa: B023 - run at once
        runs.append(program)
    before, after = (_shared_urns(p) for p in runs)
    assert after == before
    expected = {"infra/eg-https-identity-headers"}
    if shared_proxy:
        expected.add("auth-oauth2route-auth.dash.example.com")
    assert set(after) == expected
    # Owned by what outlives either app: the proxy's component, the stack.
    parents = runs[1].monitor.parents
    assert parents["infra/eg-https-identity-headers"].split("::")[2] == STACK_TYPE
    if shared_proxy:
        assert parents["auth-oauth2route-auth.dash.example.com"] == runs[1].urns["auth"]
    for name in expected:
        assert runs[1].mocks.inputs[name] == runs[0].mocks.inputs[name]
