"""OAuth2Proxy and Sessions: each option's effect on the manifests, and each refusal.

Objects are picked by kind and name (conftest.find), never by position.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from oauth_ingress_construct import (
    DEFAULT_PROXY_IMAGE,
    ConfigurationError,
    OAuth2Proxy,
    ProtectedApp,
    Provider,
    ProxyResources,
    ProxySecret,
    ServiceRef,
    Sessions,
)

from .conftest import annotations, find, synth

OIDC = Provider.oidc(issuer_url="https://login.example.com/realms/main")


def _proxy(chart, **kwargs: Any) -> list[dict[str, Any]]:
    OAuth2Proxy(chart, "Access", **{"host": "access.example.com", "provider": OIDC, **kwargs})
    return synth(chart)


def _container(objects: list[dict[str, Any]], name: str = "access") -> dict[str, Any]:
    (container,) = find(objects, "Deployment", name)["spec"]["template"]["spec"]["containers"]
    return container


def _args(objects: list[dict[str, Any]], name: str = "access") -> list[str]:
    return _container(objects, name)["args"]


def _flag(args: list[str], flag: str) -> list[str]:
    """The values given to ``flag`` (``--flag=value``), in order."""
    return [a.split("=", 1)[1] for a in args if a.startswith(flag + "=")]


def _env(objects: list[dict[str, Any]], name: str = "access") -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in _container(objects, name)["env"]}


def _secret_volume(objects: list[dict[str, Any]], name: str = "access") -> dict[str, Any]:
    (volume,) = find(objects, "Deployment", name)["spec"]["template"]["spec"]["volumes"]
    return volume


# --- defaults: what one OAuth2Proxy creates -------------------------------------------------


def test_defaults_create_the_five_objects_in_the_chart_namespace(chart):
    objects = _proxy(chart)
    assert sorted((o["kind"], o["metadata"]["name"]) for o in objects) == [
        ("Deployment", "access"),
        ("Ingress", "access"),
        ("NetworkPolicy", "access"),
        ("PodDisruptionBudget", "access"),
        ("Service", "access"),
    ]
    assert {o["metadata"]["namespace"] for o in objects} == {"apps"}


def test_host_serves_oauth2_and_is_the_redirect_url(chart):
    objects = _proxy(chart)
    ingress = find(objects, "Ingress", "access")
    (rule,) = ingress["spec"]["rules"]
    assert rule["host"] == "access.example.com"
    assert rule["http"]["paths"] == [
        {
            "path": "/oauth2",
            "pathType": "Prefix",
            "backend": {"service": {"name": "access", "port": {"name": "http"}}},
        }
    ]
    assert _flag(_args(objects), "--redirect-url") == ["https://access.example.com/oauth2/callback"]
    # The proxy's own Ingress carries no auth annotations and no snippet.
    assert annotations(ingress) == {}


def test_runs_auth_only_behind_nginx_on_all_interfaces(chart):
    args = _args(_proxy(chart))
    for expected in (
        "--http-address=0.0.0.0:4180",
        "--reverse-proxy=true",
        "--upstream=static://202",
        "--set-xauthrequest=true",
        "--cookie-secure=true",
    ):
        assert expected in args


def test_metrics_on_44180_named_metrics_on_the_container_and_the_service(chart):
    objects = _proxy(chart)
    container = _container(objects)
    assert "--metrics-address=0.0.0.0:44180" in container["args"]
    assert {"name": "metrics", "containerPort": 44180, "protocol": "TCP"} in container["ports"]
    assert {"name": "http", "containerPort": 4180, "protocol": "TCP"} in container["ports"]
    service = find(objects, "Service", "access")
    ports = {p["name"]: p for p in service["spec"]["ports"]}
    assert ports["http"] == {"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}
    assert ports["metrics"]["port"] == 44180
    assert ports["metrics"]["targetPort"] == "metrics"


def test_pod_is_hardened_non_root_read_only_without_token_or_capabilities(chart):
    objects = _proxy(chart)
    pod = find(objects, "Deployment", "access")["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert pod["automountServiceAccountToken"] is False
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    security = container["securityContext"]
    assert security["runAsNonRoot"] is True
    # The image's own distroless "nonroot" user; >= 10000 (checkov CKV_K8S_40).
    assert security["runAsUser"] == security["runAsGroup"] == 65532
    assert pod["securityContext"]["fsGroup"] == 65532
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["privileged"] is False
    assert security["capabilities"] == {"drop": ["ALL"]}
    assert security["seccompProfile"] == {"type": "RuntimeDefault"}
    assert container["livenessProbe"]["httpGet"]["path"] == "/ping"
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"


def test_default_image_is_a_pinned_release_by_tag_and_digest(chart):
    assert _container(_proxy(chart))["image"] == DEFAULT_PROXY_IMAGE
    assert re.fullmatch(
        r"quay\.io/oauth2-proxy/oauth2-proxy:v7\.15\.\d+@sha256:[0-9a-f]{64}", DEFAULT_PROXY_IMAGE
    )


def test_no_secret_value_is_ever_written(chart):
    objects = _proxy(
        chart,
        sessions=Sessions.redis_sentinel(
            master_name="mymaster",
            urls=["redis://sentinel-0.redis:26379"],
            sentinel_password_key="redis-sentinel-password",
        ),
    )
    for env in _container(objects)["env"]:
        assert set(env) == {"name", "valueFrom"}, env
        assert set(env["valueFrom"]) == {"secretKeyRef"}, env
    assert all(o["kind"] != "Secret" for o in objects)
    secret_flags = ("--client-id", "--client-secret=", "--cookie-secret=", "--redis-password")
    assert not any(a.startswith(secret_flags) for a in _args(objects))
    # the secrets' files, not their values, are named on the command line
    assert [a for a in _args(objects) if "secret" in a] == [
        "--client-secret-file=/etc/oauth2-proxy/secrets/client-secret",
        "--cookie-secret-file=/etc/oauth2-proxy/secrets/cookie-secret",
    ]
    assert "redis-sentinel-password" in yaml.safe_dump_all(objects)  # the key name only


# --- each option ------------------------------------------------------------------------------


def test_provider_contributes_its_flags(chart):
    args = _args(_proxy(chart, provider=Provider.github(org="example-org", team="ops")))
    assert "--provider=github" in args
    assert "--github-org=example-org" in args
    assert "--github-team=ops" in args
    assert not any(a.startswith("--oidc-issuer-url") for a in args)


def test_secret_defaults_to_the_proxy_name_with_helm_keys(chart):
    objects = _proxy(chart)
    env = _env(objects)
    assert {n: e["valueFrom"]["secretKeyRef"] for n, e in env.items()} == {
        "OAUTH2_PROXY_CLIENT_ID": {"name": "access", "key": "client-id"},
    }
    assert _secret_volume(objects) == {
        "name": "oauth2-proxy-secrets",
        "secret": {
            "secretName": "access",
            "items": [
                {"key": "client-secret", "path": "client-secret"},
                {"key": "cookie-secret", "path": "cookie-secret"},
            ],
            "defaultMode": 0o400,
        },
    }


def test_secrets_are_files_of_a_read_only_mount_readable_by_the_pod_group(chart):
    objects = _proxy(chart)
    container = _container(objects)
    assert container["volumeMounts"] == [
        {"name": "oauth2-proxy-secrets", "mountPath": "/etc/oauth2-proxy/secrets", "readOnly": True}
    ]
    assert _flag(_args(objects), "--client-secret-file") == [
        "/etc/oauth2-proxy/secrets/client-secret"
    ]
    assert _flag(_args(objects), "--cookie-secret-file") == [
        "/etc/oauth2-proxy/secrets/cookie-secret"
    ]
    # mode 0400 files are group-readable only through fsGroup (the kubelet adds 0440 and
    # the group): the process's uid/gid must be that group
    pod = find(objects, "Deployment", "access")["spec"]["template"]["spec"]
    assert pod["securityContext"]["fsGroup"] == container["securityContext"]["runAsGroup"]
    assert not any("SECRET" in name for name in _env(objects))


def test_secret_name_and_keys_are_configurable(chart):
    secret = ProxySecret(
        name="sso", client_id_key="id", client_secret_key="s", cookie_secret_key="c"
    )
    objects = _proxy(chart, secret=secret)
    env = _env(objects)
    assert [e["valueFrom"]["secretKeyRef"] for e in env.values()] == [{"name": "sso", "key": "id"}]
    volume = _secret_volume(objects)["secret"]
    assert volume["secretName"] == "sso"
    assert volume["items"] == [
        {"key": "s", "path": "client-secret"},
        {"key": "c", "path": "cookie-secret"},
    ]


def test_client_id_from_the_provider_is_a_plain_value(chart):
    provider = Provider.oidc(issuer_url="https://login.example.com", client_id="my-app")
    objects = _proxy(chart, provider=provider)
    assert _env(objects)["OAUTH2_PROXY_CLIENT_ID"] == {
        "name": "OAUTH2_PROXY_CLIENT_ID",
        "value": "my-app",
    }
    assert "client-id" not in yaml.safe_dump(_secret_volume(objects))


@pytest.mark.parametrize(
    "provider",
    [
        lambda cid: Provider.oidc(issuer_url="https://idp.example.com", client_id=cid),
        lambda cid: Provider.keycloak_oidc(
            issuer_url="https://kc.example.com/realms/a", client_id=cid
        ),
        lambda cid: Provider.entra_id(tenant_id="contoso.onmicrosoft.com", client_id=cid),
        lambda cid: Provider.github(client_id=cid),
        lambda cid: Provider.gitlab(client_id=cid),
        lambda cid: Provider.google(client_id=cid),
    ],
    ids=["oidc", "keycloak-oidc", "entra-id", "github", "gitlab", "google"],
)
def test_every_named_constructor_takes_a_client_id(provider):
    assert provider("123-abc.apps.googleusercontent.com").client_id == (
        "123-abc.apps.googleusercontent.com"
    )
    assert provider(None).client_id is None


@pytest.mark.parametrize(
    "value", ["", "my app", "id\n", "a;b", "${ID}", "x" * 256, 42, "-leading-dash"]
)
def test_fails_client_id_not_a_client_id(value):
    with pytest.raises(ConfigurationError, match=r"client_id must be an OAuth client id"):
        Provider.oidc(issuer_url="https://idp.example.com", client_id=value)


def test_shared_derives_cookie_domain_and_whitelist_from_the_host(chart):
    access = OAuth2Proxy(chart, "Access", host="access.example.com", provider=OIDC)
    assert access.cookie_domain == ".example.com"
    args = _args(synth(chart))
    assert _flag(args, "--cookie-domain") == [".example.com"]
    assert _flag(args, "--whitelist-domain") == [".example.com"]


def test_shared_false_keeps_a_host_only_cookie(chart):
    access = OAuth2Proxy(chart, "Access", host="app.example.com", provider=OIDC, shared=False)
    assert access.cookie_domain is None
    args = _args(synth(chart))
    assert _flag(args, "--cookie-domain") == []
    assert _flag(args, "--whitelist-domain") == ["app.example.com"]


def test_cookie_domain_can_be_a_higher_parent(chart):
    objects = _proxy(chart, host="sso.eu.example.com", cookie_domain="example.com")
    assert _flag(_args(objects), "--cookie-domain") == [".example.com"]
    assert _flag(_args(objects), "--whitelist-domain") == [".example.com"]


def test_name_and_namespace_name_every_object_and_the_auth_url(chart):
    access = OAuth2Proxy(
        chart, "Access", host="access.example.com", provider=OIDC, name="sso", namespace="auth"
    )
    objects = synth(chart)
    assert {(o["metadata"]["name"], o["metadata"]["namespace"]) for o in objects} == {
        ("sso", "auth")
    }
    assert access.cluster_auth_url == "http://sso.auth.svc.cluster.local:80/oauth2/auth"
    assert access.public_auth_url == "https://access.example.com/oauth2/auth"
    assert access.signin_url == "https://access.example.com/oauth2/start"


def test_one_replica_has_no_disruption_budget_nor_spread(chart):
    access = OAuth2Proxy(chart, "Access", host="access.example.com", provider=OIDC, replicas=1)
    objects = synth(chart)
    assert access.pod_disruption_budget is None
    assert [o["kind"] for o in objects if o["kind"] == "PodDisruptionBudget"] == []
    deployment = find(objects, "Deployment", "access")
    assert deployment["spec"]["replicas"] == 1
    assert "topologySpreadConstraints" not in deployment["spec"]["template"]["spec"]


def test_several_replicas_get_a_disruption_budget_and_a_spread_over_nodes(chart):
    objects = _proxy(chart, replicas=3)
    deployment = find(objects, "Deployment", "access")
    assert deployment["spec"]["replicas"] == 3
    selector = deployment["spec"]["selector"]["matchLabels"]
    (spread,) = deployment["spec"]["template"]["spec"]["topologySpreadConstraints"]
    assert spread["topologyKey"] == "kubernetes.io/hostname"
    assert spread["maxSkew"] == 1
    assert spread["whenUnsatisfiable"] == "ScheduleAnyway"
    assert spread["labelSelector"] == {"matchLabels": selector}
    pdb = find(objects, "PodDisruptionBudget", "access")
    assert pdb["spec"] == {"minAvailable": 1, "selector": {"matchLabels": selector}}


def test_image_can_be_another_pinned_reference(chart):
    image = "registry.example.com/mirror/oauth2-proxy:v7.15.3"
    assert _container(_proxy(chart, image=image))["image"] == image


def test_resources_are_requests_and_limits(chart):
    container = _container(_proxy(chart))
    assert container["resources"] == {
        "limits": {"cpu": "500m", "memory": "128Mi"},
        "requests": {"cpu": "20m", "memory": "64Mi"},
    }


def test_resources_are_configurable(chart):
    custom = ProxyResources(cpu_request="50m", cpu_limit="1", memory_request="96Mi")
    assert _container(_proxy(chart, resources=custom))["resources"] == {
        "limits": {"cpu": "1", "memory": "128Mi"},
        "requests": {"cpu": "50m", "memory": "96Mi"},
    }


def test_email_domains_default_to_any(chart):
    assert _flag(_args(_proxy(chart)), "--email-domain") == ["*"]


def test_email_domains_and_allowed_groups_become_flags(chart):
    args = _args(
        _proxy(chart, email_domains=["example.com", "example.org"], allowed_groups=["staff"])
    )
    assert _flag(args, "--email-domain") == ["example.com", "example.org"]
    assert _flag(args, "--allowed-group") == ["staff"]


def test_set_authorization_header_is_off_by_default(chart):
    assert "--set-authorization-header=true" not in _args(_proxy(chart))


def test_set_authorization_header_true_emits_the_flag(chart):
    assert "--set-authorization-header=true" in _args(_proxy(chart, set_authorization_header=True))


def test_trusted_proxy_ips_are_normalised_flags(chart):
    args = _args(_proxy(chart, trusted_proxy_ips=["10.244.0.1/16", "fd00::/8"]))
    assert _flag(args, "--trusted-proxy-ip") == ["10.244.0.0/16", "fd00::/8"]


def test_tls_secret_name_and_ingress_class_name(chart):
    objects = _proxy(chart, tls_secret_name="access-tls", ingress_class_name="nginx-internal")
    spec = find(objects, "Ingress", "access")["spec"]
    assert spec["tls"] == [{"hosts": ["access.example.com"], "secretName": "access-tls"}]
    assert spec["ingressClassName"] == "nginx-internal"


def test_without_tls_secret_the_ingress_has_no_tls_section(chart):
    assert "tls" not in find(_proxy(chart), "Ingress", "access")["spec"]


def test_network_policy_admits_only_the_controller_namespace_to_http(chart):
    objects = _proxy(chart)
    policy = find(objects, "NetworkPolicy", "access")["spec"]
    selector = find(objects, "Deployment", "access")["spec"]["selector"]["matchLabels"]
    assert policy["podSelector"] == {"matchLabels": selector}
    assert policy["policyTypes"] == ["Ingress"]
    http, metrics = policy["ingress"]
    assert http == {
        "from": [
            {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}
        ],
        "ports": [{"port": "http", "protocol": "TCP"}],
    }
    assert metrics == {
        "from": [
            {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}
        ],
        "ports": [{"port": "metrics", "protocol": "TCP"}],
    }


def test_metrics_port_opens_to_the_namespace_asked_for(chart):
    policy = find(_proxy(chart, metrics_namespace="observability"), "NetworkPolicy", "access")
    _http, metrics = policy["spec"]["ingress"]
    (peer,) = metrics["from"]
    assert peer == {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "observability"}}
    }
    assert metrics["ports"] == [{"port": "metrics", "protocol": "TCP"}]


def test_metrics_port_is_closed_with_no_metrics_namespace(chart):
    policy = find(_proxy(chart, metrics_namespace=None), "NetworkPolicy", "access")
    (only,) = policy["spec"]["ingress"]
    assert only["ports"] == [{"port": "http", "protocol": "TCP"}]


@pytest.mark.parametrize("value", ["Monitoring", "kube system", "", 42, "a" * 64])
def test_fails_metrics_namespace_not_a_namespace(chart, value):
    with pytest.raises(ConfigurationError, match=r"metrics_namespace must be"):
        _proxy(chart, metrics_namespace=value)
    assert synth(chart) == []


def test_network_policy_follows_the_controller_namespace(chart):
    policy = find(_proxy(chart, ingress_controller_namespace="edge"), "NetworkPolicy", "access")
    (peer,) = policy["spec"]["ingress"][0]["from"]
    assert peer["namespaceSelector"]["matchLabels"] == {"kubernetes.io/metadata.name": "edge"}


def test_network_policy_can_be_turned_off(chart):
    access = OAuth2Proxy(
        chart, "Access", host="access.example.com", provider=OIDC, network_policy=False
    )
    assert access.network_policy is None
    assert [o for o in synth(chart) if o["kind"] == "NetworkPolicy"] == []


def test_extra_args_are_appended_after_the_managed_flags(chart):
    extras = ["--cookie-expire=12h", "--skip-provider-button", "--api-route=/api/"]
    args = _args(_proxy(chart, extra_args=extras))
    assert args[-3:] == extras


def test_children_are_exposed(chart):
    access = OAuth2Proxy(chart, "Access", host="access.example.com", provider=OIDC)
    assert access.deployment.kind == "Deployment"
    assert access.service.kind == "Service"
    assert access.ingress.kind == "Ingress"
    assert access.network_policy is not None
    assert access.pod_disruption_budget is not None


# --- sessions -----------------------------------------------------------------------------


def test_sessions_default_to_the_cookie_with_no_extra_flags(chart):
    objects = _proxy(chart)
    args = _args(objects)
    assert not any(a.startswith(("--session-", "--redis-")) for a in args)
    assert set(_env(objects)) == {"OAUTH2_PROXY_CLIENT_ID"}


def test_minimal_cookie_sessions(chart):
    args = _args(_proxy(chart, sessions=Sessions.cookie(minimal=True)))
    assert "--session-cookie-minimal=true" in args


def test_redis_standalone_with_the_password_from_the_proxy_secret(chart):
    objects = _proxy(chart, sessions=Sessions.redis(url="redis://redis.sessions:6379"))
    args = _args(objects)
    assert "--session-store-type=redis" in args
    assert _flag(args, "--redis-connection-url") == ["redis://redis.sessions:6379"]
    assert not any(a.startswith(("--redis-use-", "--redis-password")) for a in args)
    assert _env(objects)["OAUTH2_PROXY_REDIS_PASSWORD"]["valueFrom"] == {
        "secretKeyRef": {"name": "access", "key": "redis-password"}
    }


def test_redis_password_from_another_secret_and_key(chart):
    sessions = Sessions.redis(
        url="rediss://redis.sessions:6380/0", password_secret="redis-auth", password_key="pw"
    )
    objects = _proxy(chart, sessions=sessions)
    env = _env(objects)
    assert _secret_volume(objects)["secret"]["secretName"] == "access"
    assert env["OAUTH2_PROXY_REDIS_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
        "name": "redis-auth",
        "key": "pw",
    }
    # The OAuth client credentials stay in the proxy's Secret.
    assert env["OAUTH2_PROXY_CLIENT_ID"]["valueFrom"]["secretKeyRef"]["name"] == "access"


def test_redis_without_a_password(chart):
    sessions = Sessions.redis(url="redis://redis.sessions:6379", password_key=None)
    env = _env(_proxy(chart, sessions=sessions))
    assert "OAUTH2_PROXY_REDIS_PASSWORD" not in env


def test_redis_sentinel(chart):
    sessions = Sessions.redis_sentinel(
        master_name="mymaster",
        urls=["redis://sentinel-0.redis:26379", "redis://sentinel-1.redis:26379"],
        sentinel_password_key="redis-sentinel-password",
    )
    objects = _proxy(chart, sessions=sessions)
    args = _args(objects)
    assert "--session-store-type=redis" in args
    assert "--redis-use-sentinel=true" in args
    assert _flag(args, "--redis-sentinel-master-name") == ["mymaster"]
    assert _flag(args, "--redis-sentinel-connection-urls") == [
        "redis://sentinel-0.redis:26379,redis://sentinel-1.redis:26379"
    ]
    assert _flag(args, "--redis-connection-url") == []
    env = _env(objects)
    assert env["OAUTH2_PROXY_REDIS_PASSWORD"]["valueFrom"]["secretKeyRef"]["key"] == (
        "redis-password"
    )
    assert env["OAUTH2_PROXY_REDIS_SENTINEL_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
        "name": "access",
        "key": "redis-sentinel-password",
    }


def test_redis_cluster(chart):
    sessions = Sessions.redis_cluster(
        urls=["redis://redis-0.redis:6379", "redis://redis-1.redis:6379"]
    )
    args = _args(_proxy(chart, sessions=sessions))
    assert "--session-store-type=redis" in args
    assert "--redis-use-cluster=true" in args
    assert _flag(args, "--redis-cluster-connection-urls") == [
        "redis://redis-0.redis:6379,redis://redis-1.redis:6379"
    ]


def test_sessions_value_objects_without_a_chart():
    assert Sessions.cookie() == Sessions(store="cookie", args=())
    redis = Sessions.redis(url="redis://r.example.com:6379")
    assert redis.store == "redis"
    assert redis.password_key == "redis-password"
    assert redis.password_secret is None
    assert redis.sentinel_password_key is None


# --- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"host": "https://access.example.com"},
            r"host must be .*got 'https://access.example.com'",
        ),
        ({"host": "*.example.com"}, r"host must be .*got '\*.example.com'"),
        ({"provider": "oidc"}, r"provider must be a Provider.*got 'oidc'"),
        ({"secret": "sso"}, r"secret must be a ProxySecret\(name=...\).*got 'sso'"),
        ({"shared": "yes"}, r"shared must be True or False, got 'yes'"),
        (
            {"shared": False, "cookie_domain": "example.com"},
            r"cookie_domain must be unset when shared=False .*got 'example.com'",
        ),
        (
            {"cookie_domain": "example.org"},
            r"cookie_domain must be a parent domain of host 'access.example.com', "
            r"got '.example.org'",
        ),
        (
            {"cookie_domain": "other-example.com", "host": "access.example.com"},
            r"cookie_domain must be a parent domain of host",
        ),
        ({"name": "Access_1"}, r"name must be a DNS-1123 label.*got 'Access_1'"),
        ({"namespace": "Auth"}, r"namespace must be a DNS-1123 label.*got 'Auth'"),
        ({"replicas": 0}, r"replicas must be an integer from 1 to 100, got 0"),
        ({"replicas": True}, r"replicas must be an integer from 1 to 100, got True"),
        (
            {"image": "quay.io/oauth2-proxy/oauth2-proxy:latest"},
            r"image must be an image reference pinned to a tag or digest, other than 'latest'",
        ),
        ({"image": "quay.io/oauth2-proxy/oauth2-proxy"}, r"image must be .*pinned"),
        ({"image": "quay.io/x/y:v1\n"}, r"image must be .*pinned"),
        ({"resources": {"cpu": "1"}}, r"resources must be a ProxyResources"),
        ({"email_domains": "example.com"}, r"email_domains must be a list.*got 'example.com'"),
        (
            {"email_domains": []},
            r"email_domains must be at least one domain, or \['\*'\] for whoever the identity "
            r"provider admits \(oauth2-proxy refuses to start without one\).*got \[\]",
        ),
        ({"email_domains": ["@example.com"]}, r"email_domains must be a DNS name .*'@example.com'"),
        ({"allowed_groups": ["a,b"]}, r"allowed_groups must be a group name .*got 'a,b'"),
        ({"set_authorization_header": 1}, r"set_authorization_header must be True or False"),
        ({"trusted_proxy_ips": ["10.0.0.300/8"]}, r"trusted_proxy_ips must be an IP address"),
        ({"trusted_proxy_ips": "10.0.0.0/8"}, r"trusted_proxy_ips must be a list"),
        ({"tls_secret_name": "TLS"}, r"tls_secret_name must be a DNS-1123 subdomain"),
        ({"ingress_class_name": "Nginx"}, r"ingress_class_name must be a DNS-1123 subdomain"),
        ({"network_policy": "off"}, r"network_policy must be True or False, got 'off'"),
        (
            {"ingress_controller_namespace": "Ingress Nginx"},
            r"ingress_controller_namespace must be a DNS-1123 label",
        ),
        ({"sessions": "redis"}, r"sessions must be a Sessions, e.g. Sessions.redis.*got 'redis'"),
        (
            {"sessions": Sessions.cookie(minimal=True), "set_authorization_header": True},
            r"set_authorization_header must be False with sessions=Sessions.cookie\(minimal=True\)"
            r": a minimal cookie holds no ID token to send",
        ),
    ],
)
def test_fails_on_bad_options_naming_the_argument_and_writes_nothing(chart, kwargs, message):
    with pytest.raises(ConfigurationError, match=message):
        OAuth2Proxy(chart, "Access", **{"host": "access.example.com", "provider": OIDC, **kwargs})
    assert synth(chart) == []


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            "--redirect-url=https://evil.example.net/oauth2/callback",
            r"set --redirect-url with the host argument instead",
        ),
        ("--cookie-domain=.example.net", r"set --cookie-domain with the cookie_domain argument"),
        ("--email-domain=example.net", r"set --email-domain with the email_domains \(or"),
        ("--allowed-group=admins", r"set --allowed-group with the allowed_groups argument"),
        ("--provider=github", r"set --provider with the provider \(its named constructor"),
        (
            "--set-authorization-header=true",
            r"set --set-authorization-header with the set_authorization_header argument",
        ),
        ("--trusted-proxy-ip=0.0.0.0/0", r"set --trusted-proxy-ip with the trusted_proxy_ips"),
        ("--client-secret=s3cr3t", r"--client-secret is refused: it carries a secret"),
        ("--cookie-secret=abc", r"--cookie-secret is refused: it carries a secret"),
        ("--redis-password=pw", r"--redis-password is refused: it carries a secret"),
        ("--session-store-type=redis", r"set --session-store-type with the sessions \(Sessions"),
        ("--client-secret-file=/tmp/s", r"--client-secret-file is refused"),
        ("--client-id=my-app", r"client_id"),
        ("--redis-connection-url=redis://r:6379", r"set --redis-connection-url with the sessions"),
        (
            "--upstream=http://backend",
            r"set --upstream with the nothing: the proxy runs auth-only",
        ),
        ("--http-address=127.0.0.1:4180", r"--http-address with the nothing: the proxy listens"),
        ("--silence-ping-logging=false", r"--silence-ping-logging with the nothing: probe"),
        ("--cookie-name=a b", r"extra_args must be one oauth2-proxy flag per item"),
        ("--skip-auth-regex=^/$", r"extra_args must be one oauth2-proxy flag per item"),
        ("--scope=openid;", r"extra_args must be one oauth2-proxy flag per item"),
        ("cookie-expire=1h", r"extra_args must be one oauth2-proxy flag per item"),
    ],
)
def test_fails_when_extra_args_touch_a_managed_flag(chart, extra, message):
    with pytest.raises(ConfigurationError, match=message):
        OAuth2Proxy(chart, "Access", host="access.example.com", provider=OIDC, extra_args=[extra])
    assert synth(chart) == []


@pytest.mark.parametrize(
    "pattern",
    [
        "/",  # every URI has a slash
        "/.*",
        "/.",  # every page but the root
        "/*",
        "/+",
        "/a*",  # the letter is optional: '/' alone matches
        "/./",
        "/.*/.+",
        "/_*-*~*",
    ],
)
def test_fails_on_an_api_route_that_matches_every_page(chart, pattern):
    # oauth2-proxy answers a request without a session whose URI matches with 401 instead of
    # the sign-in: such a pattern sends every browser a 401
    with pytest.raises(
        ConfigurationError,
        match=r"extra_args --api-route must be a path pattern that names the API it selects.*"
        r"every browser would get 401",
    ):
        _proxy(chart, extra_args=[f"--api-route={pattern}"])
    assert synth(chart) == []


@pytest.mark.parametrize("pattern", ["/api**", "/a*+", "/v1++", "/x+*"])
def test_fails_on_an_api_route_go_cannot_compile(chart, pattern):
    # Go's regexp refuses nested repetition, and oauth2-proxy exits at start-up on it
    with pytest.raises(ConfigurationError, match=r"a pattern without two quantifiers in a row"):
        _proxy(chart, extra_args=[f"--api-route={pattern}"])


@pytest.mark.parametrize(
    "pattern", ["/api/", "/api", "/.well-known/", "/v1.0/", "/a+", "/graphql", "/x/.*/items"]
)
def test_api_routes_that_name_their_pages_pass(chart, pattern):
    assert _args(_proxy(chart, extra_args=[f"--api-route={pattern}"]))[-1] == (
        f"--api-route={pattern}"
    )


@pytest.mark.parametrize("flag", ["cookie-samesite", "cookie-csrf-samesite"])
def test_fails_on_a_strict_same_site_cookie(chart, flag):
    # the identity provider's redirect back to /oauth2/callback is a cross-site navigation,
    # on which a Strict cookie is not sent: the CSRF check fails and nobody can sign in
    with pytest.raises(
        ConfigurationError,
        match=rf"extra_args --{flag} must be 'lax': a SameSite=Strict cookie is not sent when "
        r"the identity provider redirects the browser back.*got 'strict'",
    ):
        _proxy(chart, extra_args=[f"--{flag}=strict"])
    assert synth(chart) == []


@pytest.mark.parametrize("flag", ["cookie-samesite", "cookie-csrf-samesite"])
def test_a_lax_same_site_cookie_passes(chart, flag):
    assert _args(_proxy(chart, extra_args=[f"--{flag}=lax"]))[-1] == f"--{flag}=lax"


@pytest.mark.parametrize("name", ["__Host-sso", "__host-sso", "__HOST-x"])
def test_fails_on_a_host_prefixed_cookie_name_with_a_cookie_domain(chart, name):
    # browsers store a __Host- cookie only without Domain; a shared proxy sets one
    with pytest.raises(
        ConfigurationError,
        match=r"extra_args must be a cookie name without the '__Host-' prefix while the "
        r"cookie has the domain '.example.com'",
    ):
        OAuth2Proxy(
            chart,
            "Access",
            host="access.example.com",
            provider=OIDC,
            extra_args=[f"--cookie-name={name}"],
        )
    assert synth(chart) == []


def test_a_host_prefixed_cookie_name_passes_on_a_host_only_cookie(chart):
    extras = ["--cookie-name=__Host-sso"]
    OAuth2Proxy(
        chart, "Own", host="app.example.com", provider=OIDC, shared=False, extra_args=extras
    )
    OAuth2Proxy(
        chart,
        "Shared",
        host="access.example.com",
        provider=OIDC,
        extra_args=["--cookie-name=__Secure-sso"],
    )
    args = {
        d["metadata"]["name"]: d["spec"]["template"]["spec"]["containers"][0]["args"]
        for d in synth(chart)
        if d["kind"] == "Deployment"
    }
    assert args["own"][-1] == "--cookie-name=__Host-sso"
    assert args["shared"][-1] == "--cookie-name=__Secure-sso"


def test_fails_when_extra_args_refresh_a_minimal_cookie(chart):
    with pytest.raises(
        ConfigurationError,
        match=r"extra_args must be without --cookie-refresh when "
        r"sessions=Sessions.cookie\(minimal=True\).*got '--cookie-refresh=1h'",
    ):
        OAuth2Proxy(
            chart,
            "Access",
            host="access.example.com",
            provider=OIDC,
            sessions=Sessions.cookie(minimal=True),
            extra_args=["--cookie-refresh=1h"],
        )


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Sessions.cookie(minimal="yes"), r"minimal must be True or False, got 'yes'"),
        (
            lambda: Sessions.redis(url="redis://:hunter2@redis.example.com:6379"),
            r"url must be a redis:// or rediss:// URL without user or password .*"
            r"keep it in the Secret under password_key, got '<redacted>'",
        ),
        (
            lambda: Sessions.redis(url="https://redis.example.com"),
            r"url must be an absolute redis or rediss URL.*got 'https://redis.example.com'",
        ),
        (
            lambda: Sessions.redis(url="redis://redis.example.com:6379?db=1"),
            r"url must be an absolute redis or rediss URL.*\(no query string\)",
        ),
        (
            lambda: Sessions.redis(url="redis://r.example.com", password_secret="Redis_Auth"),
            r"password_secret must be a DNS-1123 subdomain.*got 'Redis_Auth'",
        ),
        (
            lambda: Sessions.redis(url="redis://r.example.com", password_key="a/b"),
            r"password_key must be a Secret key.*got 'a/b'",
        ),
        (
            lambda: Sessions.redis(
                url="redis://r.example.com", password_secret="redis-auth", password_key=None
            ),
            r"password_secret must be unset when password_key=None .*got 'redis-auth'",
        ),
        (
            lambda: Sessions.redis_sentinel(master_name="mymaster", urls=[]),
            r"urls must be at least one redis:// or rediss:// URL, got \[\]",
        ),
        (
            lambda: Sessions.redis_sentinel(master_name="mymaster", urls="redis://s:26379"),
            r"urls must be a list",
        ),
        (
            lambda: Sessions.redis_sentinel(master_name="my master", urls=["redis://s:26379"]),
            r"master_name must be a Sentinel master name .*got 'my master'",
        ),
        (
            lambda: Sessions.redis_sentinel(master_name="m\n", urls=["redis://s:26379"]),
            r"master_name must be a Sentinel master name",
        ),
        (
            lambda: Sessions.redis_sentinel(
                master_name="mymaster", urls=["redis://s:26379"], sentinel_password_key="a b"
            ),
            r"sentinel_password_key must be a Secret key.*got 'a b'",
        ),
        (
            lambda: Sessions.redis_cluster(urls=["redis://r-0:6379", "redis://r-0:6379"]),
            r"urls must be a list without repeated URLs",
        ),
        (
            lambda: Sessions.redis_cluster(urls=["redis://user:pw@r-0:6379"]),
            r"urls must be a redis:// or rediss:// URL without user or password",
        ),
    ],
)
def test_fails_on_bad_sessions(make, message):
    with pytest.raises(ConfigurationError, match=message):
        make()


def test_password_in_a_redis_url_is_not_echoed_in_the_error():
    with pytest.raises(ConfigurationError) as raised:
        Sessions.redis(url="redis://:hunter2@redis.example.com:6379")
    assert "hunter2" not in str(raised.value)


def test_fails_on_bad_resources():
    with pytest.raises(
        ConfigurationError,
        match=r"ProxyResources.memory_limit must be a Kubernetes quantity .*got '128MB'",
    ):
        ProxyResources(memory_limit="128MB")


# --- the shared proxy and the apps that use it ----------------------------------------------


def test_fails_when_an_app_host_is_outside_the_cookie_domain_naming_both_hosts(chart):
    access = OAuth2Proxy(chart, "Access", host="access.example.com", provider=OIDC)
    with pytest.raises(
        ConfigurationError,
        match=r"host: 'shop.example.net' is not under the cookie domain '.example.com' of proxy "
        r"'access' \(sign-in host 'access.example.com'\).*sign-in would loop",
    ):
        ProtectedApp(
            chart, "Shop", host="shop.example.net", backend=ServiceRef("shop", 80), proxy=access
        )


def test_fails_when_an_app_host_is_outside_a_narrow_cookie_domain_offers_a_wider_one(chart):
    access = OAuth2Proxy(chart, "Access", host="access.eu.example.com", provider=OIDC)
    assert access.cookie_domain == ".eu.example.com"
    with pytest.raises(
        ConfigurationError,
        match=r"host: 'shop.us.example.com' is not under the cookie domain '.eu.example.com'.*"
        r"Either set cookie_domain='.example.com' on the proxy \(a parent of both hosts\), "
        r"put the app under '.eu.example.com', or give it its own proxy",
    ):
        ProtectedApp(
            chart, "Shop", host="shop.us.example.com", backend=ServiceRef("shop", 80), proxy=access
        )


def test_fails_outside_the_cookie_domain_without_a_common_parent_offers_no_cookie_domain(chart):
    access = OAuth2Proxy(chart, "Access", host="access.example.com", provider=OIDC)
    with pytest.raises(ConfigurationError, match=r"sign-in would loop\. Either put the app") as e:
        ProtectedApp(
            chart, "Shop", host="shop.example.net", backend=ServiceRef("shop", 80), proxy=access
        )
    assert "cookie_domain=" not in str(e.value)


def test_fails_when_an_app_uses_a_host_only_proxy_of_another_host(chart):
    access = OAuth2Proxy(chart, "Access", host="app.example.com", provider=OIDC, shared=False)
    with pytest.raises(
        ConfigurationError,
        match=r"host: 'other.example.com' cannot use proxy 'access', which signs in on "
        r"'app.example.com' with a host-only cookie \(shared=False\).*Use a proxy with "
        r"shared=True \(cookie_domain='.example.com'\), or one per host",
    ):
        ProtectedApp(
            chart, "Other", host="other.example.com", backend=ServiceRef("o", 80), proxy=access
        )


def test_a_host_only_proxy_serves_its_own_host(chart):
    access = OAuth2Proxy(chart, "Access", host="app.example.com", provider=OIDC, shared=False)
    ProtectedApp(chart, "App", host="app.example.com", backend=ServiceRef("app", 80), proxy=access)
    assert annotations(find(synth(chart), "Ingress", "app"))["auth-signin"] == (
        "https://app.example.com/oauth2/start"
    )


def test_covers_accepts_subdomains_and_wildcards_under_the_cookie_domain(chart):
    access = OAuth2Proxy(chart, "Access", host="access.example.com", provider=OIDC)
    access.covers("host", "deep.team.example.com")
    access.covers("host", "*.example.com")
    with pytest.raises(ConfigurationError, match=r"'notexample.com' is not under"):
        access.covers("host", "notexample.com")


# --- sessions through ProtectedApp's own proxy ----------------------------------------------


def test_an_app_with_its_own_proxy_passes_sessions_on(chart):
    ProtectedApp(
        chart,
        "App",
        host="app.example.com",
        backend=ServiceRef("app", 80),
        provider=OIDC,
        sessions=Sessions.redis(url="redis://redis.sessions:6379", password_secret="redis"),
    )
    objects = synth(chart)
    args = _args(objects, "app-oauth2-proxy")
    assert "--session-store-type=redis" in args
    assert _env(objects, "app-oauth2-proxy")["OAUTH2_PROXY_REDIS_PASSWORD"]["valueFrom"] == {
        "secretKeyRef": {"name": "redis", "key": "redis-password"}
    }


def test_fails_when_an_app_on_a_shared_proxy_sets_sessions(chart):
    access = OAuth2Proxy(chart, "Access", host="access.example.com", provider=OIDC)
    with pytest.raises(
        ConfigurationError,
        match=r"sessions must be unset when proxy= is given \(the shared proxy has its own\)",
    ):
        ProtectedApp(
            chart,
            "App",
            host="app.example.com",
            backend=ServiceRef("app", 80),
            proxy=access,
            sessions=Sessions.cookie(minimal=True),
        )


def test_fails_when_an_app_passes_the_token_from_a_minimal_cookie(chart):
    with pytest.raises(
        ConfigurationError,
        match=r"pass_authorization_header must be False with "
        r"sessions=Sessions.cookie\(minimal=True\): a minimal cookie holds no ID token",
    ):
        ProtectedApp(
            chart,
            "App",
            host="app.example.com",
            backend=ServiceRef("app", 80),
            provider=OIDC,
            sessions=Sessions.cookie(minimal=True),
            pass_authorization_header=True,
        )
    assert synth(chart) == []


# --- the examples: one per provider family, one with Redis sessions -------------------------


def test_examples_cover_every_provider_family_and_redis_sessions():
    dist = Path(__file__).resolve().parent.parent / "dist"
    proxies = [
        doc["spec"]["template"]["spec"]["containers"][0]
        for path in sorted(dist.glob("*.k8s.yaml"))
        for doc in yaml.safe_load_all(path.read_text())
        if doc
        and doc["kind"] == "Deployment"
        and doc["metadata"].get("labels", {}).get("app.kubernetes.io/name") == "oauth2-proxy"
    ]
    providers = {p for c in proxies for p in _flag(c["args"], "--provider")}
    assert providers >= {"oidc", "keycloak-oidc", "github", "gitlab", "google", "entra-id"}
    redis = [c for c in proxies if "--session-store-type=redis" in c["args"]]
    assert redis
    for container in redis:
        env = {e["name"]: e for e in container["env"]}
        assert set(env["OAUTH2_PROXY_REDIS_PASSWORD"]["valueFrom"]) == {"secretKeyRef"}


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Sessions(store="memcached", args=()), r"Sessions.store must be 'cookie' or"),
        (
            lambda: Sessions(store="redis", args=("--redis-connection-url=redis://r\n",)),
            r"Sessions.args must be one oauth2-proxy flag per item",
        ),
        (
            lambda: Sessions(
                store="redis",
                args=("--session-store-type=redis", "--redis-connection-url=redis://r:6379"),
                password_key="a b",
            ),
            r"Sessions.password_key must be a Secret key",
        ),
        (
            lambda: Sessions(store="cookie", args=(), password_key="redis-password"),
            r"Sessions.store must be 'redis' when a Redis password is read",
        ),
    ],
)
def test_fails_on_directly_constructed_bad_sessions(make, message):
    with pytest.raises(ConfigurationError, match=message):
        make()


@pytest.mark.parametrize(
    "domains", [["*", "example.com"], ["example.com", "*"], [".example.com", "*", "b.io"]]
)
def test_fails_on_a_wildcard_email_domain_next_to_others(chart, domains):
    # oauth2-proxy v7.15.3 validator.go newValidatorImpl: with '*' among the domains every
    # address passes, so the others restrict nothing
    with pytest.raises(
        ConfigurationError,
        match=r"^email_domains must be either \['\*'\] \(any address\) or the domains to admit",
    ):
        OAuth2Proxy(
            chart,
            "Proxy",
            host="auth.example.com",
            provider=Provider.oidc(issuer_url="https://login.example.com"),
            email_domains=domains,
        )
    assert synth(chart) == []
