"""The examples: golden output in dist/ must equal a fresh synthesis, by the library and the CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import yaml

from examples import build_apps
from oauth_ingress_construct import SnippetAnnotationWarning

from .conftest import annotations, find
from .gateway_validation import validate_gateway_objects

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "dist"
FIX = "run scripts/synth.sh, review `git diff dist/` like code, and commit it"


def _golden_files() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(GOLDEN.glob("*.k8s.yaml"))}


def _assert_same_as_golden(out: Path) -> None:
    fresh = {p.name: p.read_bytes() for p in sorted(out.glob("*.k8s.yaml"))}
    golden = _golden_files()
    assert sorted(fresh) == sorted(golden), f"example charts differ from dist/: {FIX}"
    for name, content in fresh.items():
        assert content == golden[name], f"dist/{name} is stale: {FIX}"


def test_library_synthesis_matches_the_golden_files(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SnippetAnnotationWarning)
        for app in build_apps(outdir=str(tmp_path)):
            app.synth()
    _assert_same_as_golden(tmp_path)


def test_cdk8s_cli_synthesis_matches_the_golden_files(tmp_path):
    cli = ROOT / "node_modules" / ".bin" / "cdk8s"
    assert cli.exists(), "cdk8s-cli is missing: run scripts/setup.sh (npm ci)"
    out = tmp_path / "dist"
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "CDK8S_CHECK_UPGRADE": "false",
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "18,20",
    }
    result = subprocess.run(
        [str(cli), "synth", "--no-check-upgrade", "--output", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    _assert_same_as_golden(out)
    assert shutil.which("node") is not None


def _load(name: str) -> list[dict]:
    return [d for d in yaml.safe_load_all((GOLDEN / name).read_text()) if d]


def test_seed_example_matches_the_seed_annotations_in_meaning():
    objects = _load("seed-example.k8s.yaml")
    ingress = find(objects, "Ingress", "example-protected-app")
    ann = annotations(ingress)
    # Seed: auth-signin https://access.example.com/oauth2/start?rd=$scheme://$host$request_uri.
    # Ours leaves rd to the controller, which appends the *escaped* request URI.
    assert ann["auth-signin"] == "https://access.example.com/oauth2/start"
    # Seed: auth-url https://access.example.com/oauth2/auth. Ours reaches the same proxy
    # through its Service, without a hairpin through the load balancer.
    assert ann["auth-url"] == "http://oauth2-proxy.seed-example.svc.cluster.local:80/oauth2/auth"
    assert "proxy_intercept_errors off;" in ann["server-snippet"].splitlines()
    rule = ingress["spec"]["rules"][0]
    assert rule["host"] == "app.example.com"
    assert rule["http"]["paths"] == [
        {
            "path": "/",
            "pathType": "Prefix",
            "backend": {"service": {"name": "my-service", "port": {"number": 80}}},
        }
    ]
    proxy = find(objects, "Ingress", "oauth2-proxy")
    assert proxy["spec"]["rules"][0]["host"] == "access.example.com"
    args = find(objects, "Deployment", "oauth2-proxy")["spec"]["template"]["spec"]["containers"][0][
        "args"
    ]
    assert "--cookie-domain=.example.com" in args
    assert "--whitelist-domain=.example.com" in args


@pytest.mark.parametrize("name", sorted(_golden_files()))
def test_golden_files_hold_no_secret_values(name):
    for obj in _load(name):
        for container in (
            obj.get("spec", {}).get("template", {}).get("spec", {}).get("containers", [])
        ):
            for env in container.get("env", []):
                # the client id may be a plain value: it is public (in every redirect)
                assert "value" not in env or not env["name"].endswith(("SECRET", "PASSWORD")), env
        assert obj["kind"] != "Secret"


ENVOY_EXAMPLES = ["envoy-gateway.k8s.yaml", "envoy-gateway-shared.k8s.yaml"]
ENVOY_EXAMPLES.append("envoy-gateway-migration.k8s.yaml")
ENVOY_EXAMPLES.append("envoy-gateway-path-kinds.k8s.yaml")
GATEWAY_GROUPS = ("gateway.networking.k8s.io/", "gateway.envoyproxy.io/")


@pytest.mark.parametrize("name", ENVOY_EXAMPLES)
def test_the_gateway_objects_of_the_envoy_examples_are_schema_valid(name):
    objects = [o for o in _load(name) if o["apiVersion"].startswith(GATEWAY_GROUPS)]
    assert {o["kind"] for o in objects} >= {"HTTPRoute", "SecurityPolicy", "ClientTrafficPolicy"}
    validate_gateway_objects(objects)


def test_the_shared_envoy_example_grants_each_app_namespace_access_to_the_proxy():
    objects = _load("envoy-gateway-shared.k8s.yaml")
    grants = {o["metadata"]["name"]: o for o in objects if o["kind"] == "ReferenceGrant"}
    assert sorted(grants) == ["api.api", "dashboard.dashboard"]
    for name, grant in grants.items():
        assert grant["metadata"]["namespace"] == "auth"
        assert {f["namespace"] for f in grant["spec"]["from"]} == {name.split(".")[0]}
        assert grant["spec"]["to"] == [{"group": "", "kind": "Service", "name": "oauth2-proxy"}]
    assert len([o for o in objects if o["kind"] == "ClientTrafficPolicy"]) == 1


def test_the_migration_example_is_the_seed_example_on_envoy_gateway():
    seed = _load("seed-example.k8s.yaml")
    moved = _load("envoy-gateway-migration.k8s.yaml")

    def args(objects):
        deployment = find(objects, "Deployment", "oauth2-proxy")
        return deployment["spec"]["template"]["spec"]["containers"][0]["args"]

    # the proxy differs only in the mode Envoy needs
    assert set(args(seed)) - set(args(moved)) == {
        "--upstream=static://202",
        "--redirect-url=https://access.example.com/oauth2/callback",
    }
    assert set(args(moved)) - set(args(seed)) == {
        "--upstream=static://200",
        "--skip-provider-button=true",
        "--redirect-url=/oauth2/callback",
    }
    # the same app: host, paths and backend
    ingress = find(seed, "Ingress", "example-protected-app")
    route = find(moved, "HTTPRoute", "example-protected-app")
    assert route["spec"]["hostnames"] == [ingress["spec"]["rules"][0]["host"]]
    assert route["spec"]["rules"][0]["backendRefs"] == [{"name": "my-service", "port": 80}]
    assert route["spec"]["rules"][0]["matches"] == [{"path": {"type": "PathPrefix", "value": "/"}}]
    assert find(moved, "SecurityPolicy", "example-protected-app")
    for kind in ("Service", "NetworkPolicy", "PodDisruptionBudget"):
        assert find(seed, kind, "oauth2-proxy")["spec"].keys() == (
            find(moved, kind, "oauth2-proxy")["spec"].keys()
        )


@pytest.mark.parametrize(
    ("name", "kinds"),
    [
        (
            "path-kinds.k8s.yaml",
            {"tool": "Ingress", "tool-api": "Ingress", "tool-public": "Ingress"},
        ),
        (
            "envoy-gateway-path-kinds.k8s.yaml",
            {"tool": "HTTPRoute", "tool-api": "HTTPRoute", "tool-public": "HTTPRoute"},
        ),
    ],
)
def test_the_path_kinds_examples_route_each_kind_on_its_own(name, kinds):
    objects = _load(name)
    routes = {n: find(objects, kind, n) for n, kind in kinds.items()}
    paths = {
        n: sorted(
            p["path"] if "path" in p and isinstance(p["path"], str) else p["path"]["value"]
            for p in (
                r["spec"]["rules"][0]["http"]["paths"]
                if r["kind"] == "Ingress"
                else r["spec"]["rules"][0]["matches"]
            )
        )
        for n, r in routes.items()
    }
    assert paths == {
        "tool": ["/"],
        "tool-api": ["/api"],
        "tool-public": ["/healthz", "/webhooks/github"],
    }
    if kinds["tool"] == "Ingress":
        assert "auth-signin" in annotations(routes["tool"])
        assert "auth-signin" not in annotations(routes["tool-api"])
        assert "auth-url" in annotations(routes["tool-api"])
        assert annotations(routes["tool-public"]) == {}
    else:
        policies = {
            o["spec"]["targetRefs"][0]["name"] for o in objects if o["kind"] == "SecurityPolicy"
        }
        assert policies == {"tool", "tool-api"}
        args = find(objects, "Deployment", "tool-oauth2-proxy")["spec"]["template"]["spec"][
            "containers"
        ][0]["args"]
        assert "--api-route=^/api(/|\\?|$)" in args
