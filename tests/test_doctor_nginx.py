"""The doctor's verdicts against real nginx running what the controller renders for the input.

Every case of the behaviour suite (``tests/test_nginx_behaviour.py``: the DOMAIN table, the
construct's strategies, refused combinations, admission order, CVE-2026-24513, non-root
paths) is read by the doctor as an Ingress and judged; then the modelled configuration runs
on Debian's nginx and the doctor's words must match what a client sees:

- "refused whole"          <-> the host is not served (the catch-all server's 404);
- backend 401 "nginx -t fails" / "passes through" / "302 to sign-in" <-> the same on nginx;
- the unauthenticated browser's redirect, with the original URL kept or cut;
- "custom-error-pages" listing 404 <-> a backend's 404 replaced by the error page;
- the CVE-2026-24513 finding <-> an unsigned user reaching the app, where the error backend
  ignores ``X-Code``;
- "forgeable-headers" <-> a client's own ``X-Auth-Request-Groups`` reaching the backend;
- "ignored-annotation" for a snippet <-> the snippet's effect absent.

Not checked here, because one server block of one Ingress is all the model renders: two
Ingresses on one host and path, host-wide regex mode and a second server-snippet (those
follow the controller's Go code, cited in the findings); the hairpin ``auth-url`` (a cost,
not a behaviour). These tests never skip: without nginx they fail with the set-up hint.
"""

from __future__ import annotations

import http.client
import json

import pytest

from oauth_ingress_construct import IngressNginx, RiskLevel
from oauth_ingress_construct._frontends.doctor.analysis import ControllerView, Verdict, analyse
from oauth_ingress_construct._frontends.doctor.reader import read
from tests.nginx_model import SESSION_COOKIE, parse_echo
from tests.test_nginx_behaviour import (
    ADMISSION,
    ADVISORY,
    BROKEN,
    BYPASS,
    CM_ERRORS,
    DOMAIN_ROWS,
    DROPPED,
    EMITTED,
    HOST,
    NON_ROOT,
    OFF,
    PASS,
    REDIRECT,
    REFUSED,
    STOCK,
    STOCK_SNIPPETS,
    Case,
    observe,
    plain,
    plus,
    running,
)

PREFIX = "nginx.ingress.kubernetes.io/"


def judge(annotations: dict[str, str], controller: IngressNginx, path: str = "/") -> Verdict:
    """The doctor's verdict on one Ingress with these annotations, read as kubectl prints it."""
    obj = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {
            "name": "app",
            "namespace": "apps",
            "annotations": {PREFIX + k: v for k, v in annotations.items()},
        },
        "spec": {
            "ingressClassName": "nginx",
            "rules": [
                {
                    "host": HOST,
                    "http": {
                        "paths": [
                            {
                                "path": path,
                                "pathType": "Prefix",
                                "backend": {"service": {"name": "app", "port": {"number": 80}}},
                            }
                        ]
                    },
                }
            ],
        },
    }
    inputs = read([("case", json.dumps(obj).encode())])
    (verdict,) = analyse(inputs, ControllerView(controller, "test", assumed=False)).verdicts
    return verdict


def kinds(verdict: Verdict) -> dict[str, str]:
    return {f.kind: f.message for f in verdict.findings}


def observed_backend_401(seen: dict) -> str:
    if seen["nginx -t"].startswith("fails"):
        return BROKEN
    if seen["unauthenticated"].endswith("default backend") and seen["signed in"].endswith(
        "default backend"
    ):
        return DROPPED
    return PASS if seen["backend 401"] == "401 from backend" else REDIRECT


def predicted_backend_401(verdict: Verdict) -> str:
    if verdict.admitted == "refused whole":
        return DROPPED
    return {"passes through": PASS, "302 to sign-in": REDIRECT, "nginx -t fails": BROKEN}[
        verdict.backend_401
    ]


ALL = DOMAIN_ROWS + EMITTED + REFUSED + ADMISSION + ADVISORY + NON_ROOT


@pytest.mark.parametrize("case", ALL, ids=[c.id for c in ALL])
def test_verdict_matches_nginx(case: Case):
    verdict = judge(dict(case.annotations()), case.controller, case.path)
    seen = observe(case)
    outcome = observed_backend_401(seen)
    assert predicted_backend_401(verdict) == outcome, (verdict, seen)
    if outcome in (BROKEN, DROPPED):
        return
    # the unauthenticated browser: redirect with the whole URL, or the CVE bypass
    found = kinds(verdict)
    bypass = seen["_unauth"].status == 200
    if case.error_backend_answers_200:
        assert ("advisory" in found) == bypass, (found, seen)
        assert bypass == (case.unauthenticated == BYPASS)
    else:
        assert not bypass
        assert verdict.unauthenticated == "302 to sign-in, back to the original URL"
        assert seen["unauthenticated"].endswith("rd intact"), seen
    # a backend 404: the Ingress's error page exactly when the doctor lists 404
    pages = found.get("custom-error-pages", "")
    assert ("404" in pages) == (seen["backend 404"] == "404 custom error page"), (pages, seen)


SNIPPETS = IngressNginx(allow_snippet_annotations=True, annotations_risk_level=RiskLevel.CRITICAL)
SEED_SIGNIN = f"https://{HOST}/oauth2/start?rd=$scheme://$host$request_uri"


def _get(nginx, path: str, **headers: str) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", nginx.ports.ingress, timeout=5)
    conn.request("GET", path, headers={"Host": HOST, **headers})
    response = conn.getresponse()
    response.body = response.read().decode()  # type: ignore[attr-defined]
    conn.close()
    return response


def test_sign_in_that_loses_the_query_does_so_on_nginx():
    annotations = {**plain(), "auth-signin": SEED_SIGNIN}
    verdict = judge(annotations, STOCK_SNIPPETS)
    assert "sign-in-loses-query" in kinds(verdict)
    with running(annotations, STOCK_SNIPPETS) as nginx:
        reply = nginx.get("/a?x=1&y=2", signed_in=False)
    assert reply.status == 302
    assert reply.rd() == f"http://{HOST}/a?x=1"


def test_without_auth_signin_the_browser_gets_the_bare_401():
    annotations = {k: v for k, v in plain().items() if k != "auth-signin"}
    verdict = judge(annotations, STOCK)
    assert verdict.unauthenticated.startswith("401 from oauth2-proxy")
    assert "no-sign-in" in kinds(verdict)
    with running(annotations, STOCK) as nginx:
        reply = nginx.get("/a", signed_in=False)
    assert reply.status == 401
    assert "location" not in reply.headers


@pytest.mark.parametrize(
    ("headers", "forged"),
    [
        ("X-Auth-Request-User", True),
        ("X-Auth-Request-User,X-Auth-Request-Groups", False),
    ],
)
def test_forgeable_identity_headers_reach_the_backend(headers, forged):
    annotations = {**plain(), "auth-response-headers": headers}
    verdict = judge(annotations, STOCK)
    message = kinds(verdict).get("forgeable-headers", "")
    assert ("X-Auth-Request-Groups" in message) == forged
    with running(annotations, STOCK) as nginx:
        reply = _get(
            nginx,
            "/whoami",
            Cookie=f"{SESSION_COOKIE}=x",
            **{"X-Auth-Request-User": "mallory", "X-Auth-Request-Groups": "admins"},
        )
    assert reply.status == 200
    # the user is always oauth2-proxy's (listed); the groups the client's unless listed
    seen = parse_echo(reply.body)  # type: ignore[attr-defined]
    assert seen["X-Auth-Request-User"] == "alice"
    assert seen["X-Auth-Request-Groups"] == ("admins" if forged else "")


def test_dropped_snippet_has_no_effect_on_nginx():
    # v1.15.1 at risk level Critical with snippets disabled: admitted, the snippet dropped
    controller = IngressNginx(custom_http_errors=(404,), annotations_risk_level=RiskLevel.CRITICAL)
    annotations = plus(server_snippet=OFF)()
    verdict = judge(annotations, controller)
    found = kinds(verdict)
    assert "'server-snippet' has no effect" in found["ignored-annotation"]
    assert verdict.backend_401 == "302 to sign-in"
    assert "without effect here" in found["backend-401-redirected"]
    with running(annotations, controller) as nginx:
        assert nginx.get("/private", signed_in=True).status == 302


def test_seed_ingress_refused_on_v1_15_1_is_not_served():
    annotations = {**plain(), "auth-signin": SEED_SIGNIN, "server-snippet": OFF}
    verdict = judge(annotations, CM_ERRORS)
    assert verdict.admitted == "refused whole"
    with running(annotations, CM_ERRORS) as nginx:
        for signed_in in (False, True):
            reply = nginx.get("/", signed_in=signed_in)
            assert reply.status == 404
