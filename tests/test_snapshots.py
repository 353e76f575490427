"""Whole-manifest snapshots of each meaningful configuration (review changes like code).

Each snapshot is one YAML file, ``tests/__snapshots__/test_snapshots/<test>.yaml``, written by
the package's own user-facing helper (``oauth_ingress_construct.testing``). Update with
``pytest tests/test_snapshots.py --snapshot-update`` and read the diff of
``tests/__snapshots__/`` before committing. The intent of each configuration is asserted
in test_protected_app.py and test_pass_through.py; these pin every other detail.
"""

from __future__ import annotations

import cdk8s
import cdk8s_plus_28 as kplus
import pytest

from oauth_ingress_construct import (
    EnvoyGateway,
    GatewayRef,
    IngressNginx,
    OAuth2Proxy,
    ProtectedApp,
    Provider,
    ProxySecret,
    RiskLevel,
    ServiceRef,
)
from oauth_ingress_construct.testing import YamlSnapshotExtension, synth_yaml, to_yaml

OIDC = Provider.oidc(issuer_url="https://login.example.com/realms/main")


@pytest.fixture
def snapshot(snapshot):
    return snapshot.use_extension(YamlSnapshotExtension)


def test_own_proxy_defaults(chart, snapshot):
    ProtectedApp(
        chart,
        "Grafana",
        host="grafana.example.com",
        backend=ServiceRef("grafana", 3000),
        provider=OIDC,
    )
    assert synth_yaml(chart) == snapshot


def test_shared_proxy_two_apps(chart, snapshot):
    access = OAuth2Proxy(
        chart,
        "Access",
        host="access.example.com",
        provider=Provider.github(org="example-org"),
        secret=ProxySecret(name="sso"),
        tls_secret_name="example-com-tls",
        replicas=3,
    )
    ProtectedApp(
        chart,
        "Grafana",
        host="grafana.example.com",
        backend=ServiceRef("grafana", 3000),
        proxy=access,
    )
    ProtectedApp(
        chart,
        "Api",
        host="api.example.com",
        backend=ServiceRef("api", 8080),
        proxy=access,
        allowed_groups=["example-org:platform"],
        paths=["/v1"],
    )
    assert synth_yaml(chart) == snapshot


def test_cdk8s_plus_backend_single_replica(chart, snapshot):
    service = kplus.Service(
        chart,
        "WebService",
        metadata=cdk8s.ApiObjectMetadata(name="web"),
        ports=[kplus.ServicePort(port=8080)],
    )
    access = OAuth2Proxy(
        chart,
        "Access",
        host="web.example.com",
        provider=OIDC,
        shared=False,
        replicas=1,
        network_policy=False,
    )
    ProtectedApp(chart, "Web", host="web.example.com", backend=service, proxy=access)
    assert synth_yaml(chart) == snapshot


@pytest.mark.parametrize(
    "controller",
    [
        pytest.param(IngressNginx(), id="stock-v1.15"),
        pytest.param(
            IngressNginx(
                custom_http_errors=(404, 503),
                allow_snippet_annotations=True,
                annotations_risk_level=RiskLevel.CRITICAL,
            ),
            id="configmap-custom-http-errors-snippets-allowed",
        ),
    ],
)
def test_pass_through_with_described_controller(chart, snapshot, controller):
    ProtectedApp(
        chart,
        "Api",
        host="api.example.com",
        backend=ServiceRef("api", 8080),
        provider=OIDC,
        pass_through_401=True,
        custom_http_errors=[503],
        controller=controller,
    )
    ingress = [o for o in cdk8s.Testing.synth(chart) if o["metadata"]["name"] == "api"]
    assert to_yaml(ingress) == snapshot


def test_envoy_gateway_shared_proxy_across_namespaces(chart, snapshot):
    controller = EnvoyGateway(gateway=GatewayRef("eg", "infra", section_name="https"))
    access = OAuth2Proxy(
        chart,
        "Access",
        host="access.example.com",
        namespace="auth",
        # an OIDC provider: GitHub issues no ID token to pass (refused with the header)
        provider=Provider.oidc(issuer_url="https://login.example.com/realms/example"),
        set_authorization_header=True,
        controller=controller,
    )
    ProtectedApp(
        chart,
        "Grafana",
        host="grafana.example.com",
        backend=ServiceRef("grafana", 3000),
        proxy=access,
        paths=["/", "/api"],
        pass_authorization_header=True,
        pass_through_401=True,
        controller=controller,
    )
    assert synth_yaml(chart) == snapshot


def _three_kinds(chart, controller):
    import warnings

    from oauth_ingress_construct import PathType, PublicPathRegexWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PublicPathRegexWarning)
        ProtectedApp(
            chart,
            "Tool",
            host="tool.example.com",
            backend=ServiceRef("tool", 8080),
            provider=OIDC,
            paths=["/"],
            api_paths=["/api", "/graphql"],
            public_paths=["/static/"],
            public_path_type=PathType.PREFIX,
            controller=controller,
        )


def test_three_kinds_of_path_ingress_nginx(chart, snapshot):
    _three_kinds(chart, IngressNginx())
    assert synth_yaml(chart) == snapshot


def test_three_kinds_of_path_envoy_gateway(chart, snapshot):
    _three_kinds(chart, EnvoyGateway(gateway=GatewayRef("eg", "infra")))
    assert synth_yaml(chart) == snapshot
