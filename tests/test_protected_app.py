"""What ProtectedApp promises, stated as intent (the snapshots only pin the details)."""

from __future__ import annotations

import warnings

import cdk8s
import cdk8s_plus_28 as kplus
import pytest

from oauth_ingress_construct import (
    DEFAULT_PROXY_IMAGE,
    ConfigurationError,
    NamespaceFallbackWarning,
    OAuth2Proxy,
    PathType,
    ProtectedApp,
    Provider,
    ProxySecret,
    ServiceRef,
    SnippetAnnotationWarning,
)

from .conftest import annotations, find, synth

OIDC = Provider.oidc(issuer_url="https://login.example.com/realms/main")


def test_own_proxy_creates_the_app_ingress_and_a_proxy_on_the_same_host(chart):
    ProtectedApp(
        chart,
        "Grafana",
        host="grafana.example.com",
        backend=ServiceRef("grafana", 3000),
        provider=OIDC,
    )
    objects = synth(chart)

    assert sorted((o["kind"], o["metadata"]["name"]) for o in objects) == [
        ("Deployment", "grafana-oauth2-proxy"),
        ("Ingress", "grafana"),
        ("Ingress", "grafana-oauth2-proxy"),
        ("NetworkPolicy", "grafana-oauth2-proxy"),
        ("PodDisruptionBudget", "grafana-oauth2-proxy"),
        ("Service", "grafana-oauth2-proxy"),
    ]
    assert {o["metadata"]["namespace"] for o in objects} == {"apps"}

    app_ingress = find(objects, "Ingress", "grafana")
    rule = app_ingress["spec"]["rules"][0]
    assert rule["host"] == "grafana.example.com"
    assert rule["http"]["paths"] == [
        {
            "path": "/",
            "pathType": "Prefix",
            "backend": {"service": {"name": "grafana", "port": {"number": 3000}}},
        }
    ]
    assert app_ingress["spec"]["ingressClassName"] == "nginx"
    ann = annotations(app_ingress)
    # In-cluster, fully qualified: nginx applies no DNS search domains.
    assert ann["auth-url"] == "http://grafana-oauth2-proxy.apps.svc.cluster.local:80/oauth2/auth"
    # No rd: the controller appends the escaped request URL itself.
    assert ann["auth-signin"] == "https://grafana.example.com/oauth2/start"
    assert "server-snippet" not in ann

    proxy_ingress = find(objects, "Ingress", "grafana-oauth2-proxy")
    assert annotations(proxy_ingress) == {}, "the sign-in route itself must not require sign-in"
    proxy_rule = proxy_ingress["spec"]["rules"][0]
    assert proxy_rule["host"] == "grafana.example.com"
    assert proxy_rule["http"]["paths"][0]["path"] == "/oauth2"
    assert proxy_rule["http"]["paths"][0]["backend"]["service"] == {
        "name": "grafana-oauth2-proxy",
        "port": {"name": "http"},
    }
    service = find(objects, "Service", "grafana-oauth2-proxy")
    assert {"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"} in service["spec"][
        "ports"
    ]


def test_proxy_deployment_runs_oauth2_proxy_auth_only_and_hardened(chart):
    ProtectedApp(
        chart,
        "Grafana",
        host="grafana.example.com",
        backend=ServiceRef("grafana", 3000),
        provider=OIDC,
    )
    deployment = find(synth(chart), "Deployment", "grafana-oauth2-proxy")
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]

    assert container["image"] == DEFAULT_PROXY_IMAGE
    assert not container["image"].endswith(":latest")
    args = container["args"]
    for expected in (
        "--http-address=0.0.0.0:4180",
        "--reverse-proxy=true",
        "--upstream=static://202",
        "--set-xauthrequest=true",
        "--provider=oidc",
        "--oidc-issuer-url=https://login.example.com/realms/main",
        "--redirect-url=https://grafana.example.com/oauth2/callback",
        "--whitelist-domain=grafana.example.com",
    ):
        assert expected in args
    assert not any(a.startswith("--cookie-domain") for a in args), "own proxy: host-only cookie"
    assert container["livenessProbe"]["httpGet"]["path"] == "/ping"
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert set(container["resources"]) == {"requests", "limits"}

    security = container["securityContext"]
    assert security["runAsNonRoot"] is True
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"] == {"drop": ["ALL"]}
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False


def test_credentials_come_only_from_the_secret_with_helm_key_names(chart):
    ProtectedApp(
        chart,
        "Grafana",
        host="grafana.example.com",
        backend=ServiceRef("grafana", 3000),
        provider=OIDC,
    )
    container = find(synth(chart), "Deployment", "grafana-oauth2-proxy")["spec"]["template"][
        "spec"
    ]["containers"][0]
    env = {e["name"]: e for e in container["env"]}

    assert {n: e["valueFrom"]["secretKeyRef"] for n, e in env.items()} == {
        "OAUTH2_PROXY_CLIENT_ID": {"name": "grafana-oauth2-proxy", "key": "client-id"},
    }
    assert all("value" not in e for e in env.values())
    pod = find(synth(chart), "Deployment", "grafana-oauth2-proxy")["spec"]["template"]["spec"]
    assert pod["volumes"][0]["secret"]["secretName"] == "grafana-oauth2-proxy"


def test_secret_name_and_keys_are_configurable(chart):
    secret = ProxySecret(
        name="sso", client_id_key="id", client_secret_key="secret", cookie_secret_key="cookie"
    )
    ProtectedApp(
        chart,
        "Grafana",
        host="grafana.example.com",
        backend=ServiceRef("grafana", 3000),
        provider=OIDC,
        secret=secret,
    )
    container = find(synth(chart), "Deployment", "grafana-oauth2-proxy")["spec"]["template"][
        "spec"
    ]["containers"][0]
    refs = [e["valueFrom"]["secretKeyRef"] for e in container["env"]]
    assert refs == [{"name": "sso", "key": "id"}]
    pod = find(synth(chart), "Deployment", "grafana-oauth2-proxy")["spec"]["template"]["spec"]
    assert pod["volumes"][0]["secret"]["items"] == [
        {"key": "secret", "path": "client-secret"},
        {"key": "cookie", "path": "cookie-secret"},
    ]


def test_shared_proxy_serves_several_apps_with_a_derived_cookie_domain(chart):
    access = OAuth2Proxy(chart, "Access", host="access.example.com", provider=OIDC)
    ProtectedApp(
        chart,
        "Grafana",
        host="grafana.example.com",
        backend=ServiceRef("grafana", 3000),
        proxy=access,
    )
    ProtectedApp(
        chart, "Api", host="api.example.com", backend=ServiceRef("api", 8080), proxy=access
    )
    objects = synth(chart)

    assert [o["metadata"]["name"] for o in objects if o["kind"] == "Deployment"] == ["access"]
    args = find(objects, "Deployment", "access")["spec"]["template"]["spec"]["containers"][0][
        "args"
    ]
    assert "--cookie-domain=.example.com" in args
    assert "--whitelist-domain=.example.com" in args
    assert "--redirect-url=https://access.example.com/oauth2/callback" in args
    for app in ("grafana", "api"):
        ann = annotations(find(objects, "Ingress", app))
        assert ann["auth-url"] == "http://access.apps.svc.cluster.local:80/oauth2/auth"
        assert ann["auth-signin"] == "https://access.example.com/oauth2/start"
    assert find(objects, "Ingress", "access")["spec"]["rules"][0]["host"] == "access.example.com"


def test_public_auth_url_goes_through_the_proxy_host(chart):
    access = OAuth2Proxy(chart, "Access", host="access.example.com", provider=OIDC)
    ProtectedApp(
        chart,
        "App",
        host="app.example.com",
        backend=ServiceRef("app", 80),
        proxy=access,
        public_auth_url=True,
    )
    ann = annotations(find(synth(chart), "Ingress", "app"))
    assert ann["auth-url"] == "https://access.example.com/oauth2/auth"


def test_backend_can_be_a_cdk8s_plus_service(chart):
    service = kplus.Service(
        chart,
        "WebService",
        metadata=cdk8s.ApiObjectMetadata(name="web"),
        ports=[kplus.ServicePort(port=8080)],
    )
    app = ProtectedApp(chart, "Web", host="web.example.com", backend=service, provider=OIDC)
    backend = find(synth(chart), "Ingress", "web")["spec"]["rules"][0]["http"]["paths"][0][
        "backend"
    ]
    assert backend == {"service": {"name": "web", "port": {"number": 8080}}}
    assert app.ingress is not None


def test_backend_port_picks_one_of_several_service_ports(chart):
    service = kplus.Service(
        chart,
        "WebService",
        metadata=cdk8s.ApiObjectMetadata(name="web"),
        ports=[
            kplus.ServicePort(port=8080, name="http"),
            kplus.ServicePort(port=9090, name="admin"),
        ],
    )
    ProtectedApp(
        chart, "Web", host="web.example.com", backend=service, backend_port=9090, provider=OIDC
    )
    backend = find(synth(chart), "Ingress", "web")["spec"]["rules"][0]["http"]["paths"][0][
        "backend"
    ]
    assert backend["service"]["port"] == {"number": 9090}


def test_fails_without_backend_port_when_the_service_has_several(chart):
    service = kplus.Service(
        chart,
        "WebService",
        metadata=cdk8s.ApiObjectMetadata(name="web"),
        ports=[
            kplus.ServicePort(port=8080, name="http"),
            kplus.ServicePort(port=9090, name="admin"),
        ],
    )
    with pytest.raises(
        ConfigurationError, match=r"backend_port must be one of the Service's ports \[8080, 9090\]"
    ):
        ProtectedApp(chart, "Web", host="web.example.com", backend=service, provider=OIDC)


def test_fails_when_the_service_is_in_another_namespace(chart):
    other = cdk8s.Chart(chart.node.root, "other", namespace="elsewhere")
    service = kplus.Service(
        other,
        "Web",
        metadata=cdk8s.ApiObjectMetadata(name="web"),
        ports=[kplus.ServicePort(port=80)],
    )
    with pytest.raises(
        ConfigurationError,
        match=r"backend must be a Service in the app's namespace 'apps'.*'elsewhere/web'",
    ):
        ProtectedApp(chart, "Web", host="web.example.com", backend=service, provider=OIDC)


def test_names_derive_from_the_id_or_are_explicit(chart):
    ProtectedApp(
        chart,
        "ExampleProtectedApp",
        host="a.example.com",
        backend=ServiceRef("a", 80),
        provider=OIDC,
    )
    ProtectedApp(
        chart,
        "Other",
        name="custom",
        host="b.example.com",
        backend=ServiceRef("b", 80),
        provider=OIDC,
    )
    names = {(o["kind"], o["metadata"]["name"]) for o in synth(chart)}
    assert ("Ingress", "example-protected-app") in names
    assert ("Deployment", "example-protected-app-oauth2-proxy") in names
    assert ("Ingress", "custom") in names
    assert ("Deployment", "custom-oauth2-proxy") in names


def test_fails_on_a_duplicate_name_and_leaves_nothing_behind(chart):
    ProtectedApp(
        chart, "A", name="same", host="a.example.com", backend=ServiceRef("a", 80), provider=OIDC
    )
    with pytest.raises(
        ConfigurationError,
        match=r"name: a Deployment named 'same-oauth2-proxy' in namespace 'apps' already exists",
    ):
        ProtectedApp(
            chart,
            "B",
            name="same",
            host="b.example.com",
            backend=ServiceRef("b", 80),
            provider=OIDC,
        )
    assert [o["spec"]["rules"][0]["host"] for o in synth(chart) if o["kind"] == "Ingress"] == [
        "a.example.com",
        "a.example.com",
    ]
    assert chart.node.try_find_child("B") is None


def test_several_paths_exact_type_tls_and_class(chart):
    ProtectedApp(
        chart,
        "Api",
        host="api.example.com",
        backend=ServiceRef("api", 8080),
        provider=OIDC,
        paths=["/v1", "/v2"],
        path_type=PathType.EXACT,
        tls_secret_name="api-tls",
        ingress_class_name="internal-nginx",
    )
    objects = synth(chart)
    spec = find(objects, "Ingress", "api")["spec"]
    assert [(p["path"], p["pathType"]) for p in spec["rules"][0]["http"]["paths"]] == [
        ("/v1", "Exact"),
        ("/v2", "Exact"),
    ]
    assert spec["tls"] == [{"hosts": ["api.example.com"], "secretName": "api-tls"}]
    assert spec["ingressClassName"] == "internal-nginx"
    proxy_spec = find(objects, "Ingress", "api-oauth2-proxy")["spec"]
    assert proxy_spec["tls"] == spec["tls"], "the sign-in route shares the app's certificate"
    assert proxy_spec["ingressClassName"] == "internal-nginx"


def test_pass_through_401_without_controller_emits_the_seed_server_snippet(chart):
    with pytest.warns(
        SnippetAnnotationWarning,
        match="v1.12\\+ with default settings the whole Ingress is refused",
    ):
        ProtectedApp(
            chart,
            "App",
            host="app.example.com",
            backend=ServiceRef("app", 80),
            provider=OIDC,
            pass_through_401=True,
        )
    ann = annotations(find(synth(chart), "Ingress", "app"))
    assert "proxy_intercept_errors off;" in ann["server-snippet"].splitlines()


def test_children_are_exposed_for_escape_hatches(chart):
    app = ProtectedApp(
        chart, "App", host="app.example.com", backend=ServiceRef("app", 80), provider=OIDC
    )
    app.ingress.add_json_patch(
        cdk8s.JsonPatch.add("/metadata/annotations/example.com~1team", "platform")
    )
    app.proxy.deployment.add_json_patch(cdk8s.JsonPatch.replace("/spec/replicas", 3))
    objects = synth(chart)
    assert (
        find(objects, "Ingress", "app")["metadata"]["annotations"]["example.com/team"] == "platform"
    )
    assert find(objects, "Deployment", "app-oauth2-proxy")["spec"]["replicas"] == 3


def test_namespace_defaults_to_default_without_a_chart_namespace_with_a_warning():
    chart = cdk8s.Chart(cdk8s.App(), "plain")
    with pytest.warns(
        NamespaceFallbackWarning,
        match=r"ProtectedApp 'App': no namespace= and the chart has no namespace.*kubectl apply "
        r"-n <other> refuses.*kustomize namespace: override moves the objects but not the "
        r"auth-url.*Set namespace= or cdk8s\.Chart\(\.\.\., namespace=\.\.\.\)",
    ) as caught:
        ProtectedApp(
            chart, "App", host="app.example.com", backend=ServiceRef("app", 80), provider=OIDC
        )
    # once, for the app (its own proxy inherits the app's namespace explicitly), at the caller
    fallbacks = [w for w in caught if issubclass(w.category, NamespaceFallbackWarning)]
    assert len(fallbacks) == 1
    assert fallbacks[0].filename == __file__
    objects = synth(chart)
    assert {o["metadata"]["namespace"] for o in objects} == {"default"}
    assert annotations(find(objects, "Ingress", "app"))["auth-url"].startswith(
        "http://app-oauth2-proxy.default.svc"
    )


def test_shared_proxy_without_a_namespace_warns_too():
    chart = cdk8s.Chart(cdk8s.App(), "plain")
    with pytest.warns(NamespaceFallbackWarning, match=r"OAuth2Proxy 'Access': no namespace="):
        OAuth2Proxy(chart, "Access", host="access.example.com", provider=OIDC)


@pytest.mark.parametrize("where", ["argument", "chart"])
def test_no_namespace_warning_when_a_namespace_is_given(where):
    chart = cdk8s.Chart(cdk8s.App(), "c", **({"namespace": "apps"} if where == "chart" else {}))
    extra = {"namespace": "apps"} if where == "argument" else {}
    with warnings.catch_warnings():
        warnings.simplefilter("error", NamespaceFallbackWarning)
        ProtectedApp(
            chart,
            "App",
            host="app.example.com",
            backend=ServiceRef("app", 80),
            provider=OIDC,
            **extra,
        )
    assert {o["metadata"]["namespace"] for o in synth(chart)} == {"apps"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"host": "https://app.example.com"},
            r"host must be a fully qualified lower-case DNS name.*got 'https://app.example.com'",
        ),
        ({"host": "app.example.com:8443"}, r"host must be .*got 'app.example.com:8443'"),
        ({"host": "*.example.com"}, r"host must be .*got '\*.example.com'"),
        ({"paths": ["api"]}, r"paths must be an absolute path .*got 'api'"),
        ({"paths": ["/a/../b"]}, r"paths must be an absolute path .*'\.\.'.*got '/a/\.\./b'"),
        ({"paths": []}, r"paths must be at least one path.*got \[\]"),
        (
            {"backend": ServiceRef("app", 80), "backend_port": 81},
            r"backend_port must be unset when backend is a ServiceRef",
        ),
        ({"name": "My_App"}, r"name must be a DNS-1123 label.*got 'My_App'"),
        ({"tls_secret_name": "TLS!"}, r"tls_secret_name must be a DNS-1123 subdomain.*got 'TLS!'"),
        ({"provider": None}, r"provider must be a Provider for the app's own oauth2-proxy"),
        ({"allowed_groups": "admins"}, r"allowed_groups must be a list.*got 'admins'"),
        ({"proxy_buffer_size": "16k;"}, r"proxy_buffer_size must be an nginx size .*got '16k;'"),
        (
            {"custom_http_errors": [302]},
            r"custom_http_errors must be an integer from 400 to 599, got 302",
        ),
    ],
)
def test_fails_on_bad_input_naming_the_argument_and_writes_nothing(chart, kwargs, message):
    args = {"host": "app.example.com", "backend": ServiceRef("app", 80), "provider": OIDC, **kwargs}
    with pytest.raises(ConfigurationError, match=message):
        ProtectedApp(chart, "App", **args)
    assert synth(chart) == []


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: ServiceRef("my-service", 0),
            r"ServiceRef.port must be an integer from 1 to 65535, got 0",
        ),
        (
            lambda: ServiceRef("My Service", 80),
            r"ServiceRef.name must be a DNS-1123 label.*got 'My Service'",
        ),
        (
            lambda: ProxySecret(name="sso", cookie_secret_key="a/b"),
            r"ProxySecret.cookie_secret_key must be a Secret key.*got 'a/b'",
        ),
        (
            lambda: Provider.oidc(issuer_url="ftp://login.example.com"),
            r"issuer_url must be an absolute https URL.*got 'ftp://login.example.com'",
        ),
        (
            lambda: Provider.oidc(issuer_url='https://x.example.com/"};'),
            r"issuer_url must be .*got 'https://x.example.com/\"};'",
        ),
        (lambda: Provider.github(team="platform"), r"team must be used together with org"),
    ],
)
def test_fails_on_bad_value_objects(make, message):
    with pytest.raises(ConfigurationError, match=message):
        make()


def test_fails_when_a_proxy_and_provider_are_both_given(chart):
    access = OAuth2Proxy(chart, "Access", host="access.example.com", provider=OIDC)
    with pytest.raises(ConfigurationError, match=r"provider must be unset when proxy= is given"):
        ProtectedApp(
            chart,
            "App",
            host="app.example.com",
            backend=ServiceRef("app", 80),
            proxy=access,
            provider=OIDC,
        )


def test_fails_when_the_app_host_is_outside_the_cookie_domain(chart):
    access = OAuth2Proxy(chart, "Access", host="access.example.com", provider=OIDC)
    with pytest.raises(
        ConfigurationError,
        match=(
            r"host: 'app.example.org' is not under the cookie domain '.example.com' "
            r"of proxy 'access' \(sign-in host 'access.example.com'\)"
        ),
    ):
        ProtectedApp(
            chart, "App", host="app.example.org", backend=ServiceRef("app", 80), proxy=access
        )


def test_configuration_error_is_a_value_error():
    assert issubclass(ConfigurationError, ValueError)


def test_importing_the_package_does_not_load_cdk8s_plus():
    import subprocess
    import sys

    code = "import sys, oauth_ingress_construct; print('cdk8s_plus_28' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "False"


def test_fails_on_a_backend_that_is_neither_a_service_nor_a_service_ref(chart):
    with pytest.raises(
        ConfigurationError, match=r"backend must be a cdk8s_plus_28.Service or a ServiceRef"
    ):
        ProtectedApp(chart, "App", host="app.example.com", backend="my-service:80", provider=OIDC)


def test_apps_on_one_host_share_a_proxy_with_distinct_paths(chart):
    access = OAuth2Proxy(chart, "Access", host="access.example.com", provider=OIDC)
    ProtectedApp(
        chart,
        "Web",
        host="www.example.com",
        backend=ServiceRef("web", 80),
        proxy=access,
        paths=["/"],
    )
    ProtectedApp(
        chart,
        "Api",
        host="www.example.com",
        backend=ServiceRef("api", 80),
        proxy=access,
        paths=["/api"],
    )
    paths = [
        (o["metadata"]["name"], p["path"])
        for o in synth(chart)
        if o["kind"] == "Ingress" and o["spec"]["rules"][0]["host"] == "www.example.com"
        for p in o["spec"]["rules"][0]["http"]["paths"]
    ]
    assert sorted(paths) == [("api", "/api"), ("web", "/")]


def test_fails_when_two_apps_route_the_same_host_and_path(chart):
    access = OAuth2Proxy(chart, "Access", host="access.example.com", provider=OIDC)
    ProtectedApp(chart, "Web", host="www.example.com", backend=ServiceRef("web", 80), proxy=access)
    with pytest.raises(
        ConfigurationError,
        match=(
            r"host: 'www.example.com' path '/' \(ingress class 'nginx'\) "
            r"is already routed by ProtectedApp 'test/Web'"
        ),
    ):
        ProtectedApp(
            chart, "Other", host="www.example.com", backend=ServiceRef("other", 80), proxy=access
        )
    assert chart.node.try_find_child("Other") is None


def test_fails_route_conflict_of_two_apps_on_one_proxy_does_not_suggest_sharing_it(chart):
    access = OAuth2Proxy(chart, "Access", host="access.example.com", provider=OIDC)
    ProtectedApp(chart, "Web", host="www.example.com", backend=ServiceRef("web", 80), proxy=access)
    with pytest.raises(
        ConfigurationError,
        match=r"already routed by ProtectedApp 'test/Web'.*Both already sign in through "
        r"OAuth2Proxy 'test/Access'; give the apps different hosts or paths",
    ) as e:
        ProtectedApp(
            chart, "Other", host="www.example.com", backend=ServiceRef("other", 80), proxy=access
        )
    assert "shared OAuth2Proxy" not in str(e.value)


def test_fails_when_two_own_proxies_would_serve_oauth2_on_one_host(chart):
    ProtectedApp(chart, "Web", host="www.example.com", backend=ServiceRef("web", 80), provider=OIDC)
    with pytest.raises(
        ConfigurationError,
        match=(
            r"path '/oauth2' .* already routed by OAuth2Proxy 'test/Web/OAuth2Proxy'"
            r".*one shared OAuth2Proxy per host"
        ),
    ):
        ProtectedApp(
            chart,
            "Api",
            host="www.example.com",
            backend=ServiceRef("api", 80),
            provider=OIDC,
            paths=["/api"],
        )
    # The failed app released what it had claimed: its path can be used again.
    ProtectedApp(
        chart,
        "Api2",
        name="api",
        host="api.example.com",
        backend=ServiceRef("api", 80),
        provider=OIDC,
        paths=["/api"],
    )
    assert {o["metadata"]["name"] for o in synth(chart) if o["kind"] == "Ingress"} == {
        "web",
        "web-oauth2-proxy",
        "api",
        "api-oauth2-proxy",
    }
