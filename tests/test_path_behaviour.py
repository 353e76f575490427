"""What real nginx and real Envoy answer on a host with checked paths and public paths.

Each case synthesizes a ProtectedApp with ``public_paths`` (and, to show a trap, adds an
Ingress written by hand), renders the host as the controller would (ingress-nginx:
``tests/nginx_host_model.py``; Envoy Gateway: ``tests/envoy_model.py``), starts the real proxy
on loopback and sends requests without a session. Each answer is reduced to one word:

- ``open``: the backend answered (the request passed with no check);
- ``sign-in``: a redirect to sign in (ingress-nginx: to ``/oauth2/start``; Envoy Gateway:
  oauth2-proxy's redirect to the identity provider);
- ``301``: nginx's own redirect to the path with a trailing ``/``;
- any other status as its number.

On API paths a client without a session gets ``401`` and never a redirect; with the
session cookie (a browser's XHR) it passes, and the backend's own 401 (``backend's 401``:
its body and ``WWW-Authenticate``) reaches it unchanged.

A public path must be ``open`` and nothing else may be: not ``/healthz-admin``, ``/HEALTHZ``,
``/healthz/../admin``; ``//healthz`` is ``/healthz`` to both proxies (nginx
``merge_slashes``, Envoy ``merge_slashes``), so it opens nothing more. The traps show what the
package refuses to emit or warns about. Print the observed tables with
``python -m tests.test_path_behaviour``. These tests never skip.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import cdk8s
import pytest
import yaml

from oauth_ingress_construct import (
    EnvoyGateway,
    GatewayRef,
    PathType,
    ProtectedApp,
    Provider,
    PublicPathRegexWarning,
    PublicRootWarning,
    ServiceRef,
)
from tests.envoy_gateway_versions import ENVOY_OF_NEWEST_EG
from tests.envoy_model import service_keys
from tests.envoy_stubs import (
    BACKEND_401_BODY,
    BACKEND_401_CHALLENGE,
    IDP_AUTHORIZE,
    SESSION_COOKIE,
    BackendStub,
    ProxyConfig,
    running_stubs,
)
from tests.nginx_host_model import HostIngress, host_locations, ordered, render_host
from tests.test_envoy_behaviour import ALICE, Envoy, proxy_flags
from tests.test_nginx_behaviour import _free_ports, _modules, _nginx_binary

HOST = "app.example.com"
TIMEOUT = 5.0
GATEWAY = EnvoyGateway(gateway=GatewayRef("eg", "envoy-gateway-system", section_name="http"))


def emitted(controller: EnvoyGateway | None = None, **kwargs: Any) -> list[dict[str, Any]]:
    """The objects of one ProtectedApp on ``HOST`` with its own proxy."""
    app = cdk8s.App()
    chart = cdk8s.Chart(app, "paths", namespace="apps", disable_resource_name_hashes=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PublicPathRegexWarning)
        warnings.simplefilter("ignore", PublicRootWarning)
        ProtectedApp(
            chart,
            "App",
            host=HOST,
            backend=ServiceRef("app", 8080),
            provider=Provider.oidc(issuer_url="https://login.example.com"),
            controller=controller,
            **kwargs,
        )
    return [d for d in yaml.safe_load_all(app.synth_yaml()) if d]


@dataclass(frozen=True)
class Reply:
    status: int
    location: str
    body: str
    challenge: str = ""


#: A probe ``"signed-in <path>"`` is sent with a session cookie (a browser's XHR).
SIGNED_IN = "signed-in "


def _request(probe: str) -> tuple[str, dict[str, str]]:
    headers = {"Host": HOST, "Accept": "text/html"}
    path = probe.removeprefix(SIGNED_IN)
    if path != probe:
        headers["Cookie"] = f"{SESSION_COOKIE}=alice"
    return path, headers


def _get(port: int, probe: str) -> Reply:
    path, headers = _request(probe)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        return Reply(
            resp.status,
            resp.getheader("location") or "",
            resp.read().decode(),
            resp.getheader("www-authenticate") or "",
        )
    finally:
        conn.close()


def outcome(reply: Reply) -> str:
    """One word for an answer (see the module docstring)."""
    if reply.status == 401 and (reply.body, reply.challenge) == (
        BACKEND_401_BODY,
        BACKEND_401_CHALLENGE,
    ):
        return "backend's 401"
    if reply.status == 200:
        with contextlib.suppress(ValueError):
            if "headers" in json.loads(reply.body):
                return "open"
    if reply.status == 302 and (
        reply.location.startswith(("/oauth2/start", f"https://{HOST}/oauth2/start"))
        or reply.location.startswith(IDP_AUTHORIZE)
    ):
        return "sign-in"
    return str(reply.status)


@contextlib.contextmanager
def _backend() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BackendStub)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=TIMEOUT)


def observe_nginx(ingresses: list[HostIngress], probes: list[str]) -> dict[str, str]:
    """Each probe's outcome on real nginx serving the host of ``ingresses``."""
    with _backend() as backend_port, tempfile.TemporaryDirectory(prefix="nginx-host-") as tmp:
        prefix = Path(tmp)
        for sub in ("tmp/body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi"):
            (prefix / sub).mkdir(parents=True, exist_ok=True)
        for d in (prefix, prefix / "tmp", *(prefix / "tmp").iterdir()):
            d.chmod(0o777)
        listener, auth, errors = _free_ports(3)
        ports = {"ingress": listener, "auth": auth, "errors": errors}
        ports.update(
            {i.service: auth if "oauth2-proxy" in i.service else backend_port for i in ingresses}
        )
        conf = prefix / "nginx.conf"
        conf.write_text(
            render_host(ingresses, host=HOST, ports=ports, prefix=prefix, modules=_modules())
        )
        cmd = [_nginx_binary(), "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "e.log")]
        tested = subprocess.run([*cmd, "-t"], capture_output=True, text=True, check=False)
        assert tested.returncode == 0, f"{tested.stderr}\n{conf.read_text()}"
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            _wait_for(listener, proc)
            return {p: outcome(_get(listener, p)) for p in probes}
        finally:
            proc.terminate()
            proc.wait(timeout=TIMEOUT)


def _wait_for(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 3 * TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(proc.stderr.read().decode() if proc.stderr else "exited")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.02)
    raise AssertionError("did not start listening")


def observe_envoy(objects: list[dict[str, Any]], probes: list[str]) -> dict[str, str]:
    """Each probe's outcome on real Envoy (the newest Envoy Gateway's) serving ``objects``."""
    config = ProxyConfig.from_flags(proxy_flags(objects), {"alice": ALICE})
    with running_stubs(config) as stubs, tempfile.TemporaryDirectory(prefix="envoy-") as tmp:
        auth, backends = service_keys(objects)
        services = dict.fromkeys(auth, stubs.proxy_port)
        services.update(dict.fromkeys(backends, stubs.backend_port))
        envoy = Envoy(ENVOY_OF_NEWEST_EG, objects, services, HOST, Path(tmp))
        envoy.start()
        try:
            answers = {}
            for probe in probes:
                path, headers = _request(probe)
                del headers["Host"]
                r = envoy.get(path, headers)
                reply = Reply(
                    r.status,
                    r.header("location") or "",
                    r.body,
                    r.header("www-authenticate") or "",
                )
                answers[probe] = outcome(reply)
            return answers
        finally:
            envoy.stop()


# --------------------------------------------------------------------------- the cases


def ingresses(objects: list[dict[str, Any]], *extra: HostIngress) -> list[HostIngress]:
    return [HostIngress.of(o) for o in objects if o["kind"] == "Ingress"] + list(extra)


def _regex_ingress(**annotations: str) -> HostIngress:
    """An Ingress of another team on the same host, with a regex annotation."""
    return HostIngress("legacy", "legacy", (("/legacy", "Prefix"),), annotations, 0, "app")


EXACT = {"public_paths": ["/healthz"]}
PREFIX = {"public_paths": ["/healthz"], "public_path_type": PathType.PREFIX}

#: probe -> expected outcome, for an app on "/" with a public Exact "/healthz"
EXACT_EXPECTED = {
    "/healthz": "open",
    "/healthz?verbose=1": "open",
    "//healthz": "open",  # merged to /healthz: the public path itself
    "/healthz/": "sign-in",
    "/healthz/live": "sign-in",
    "//healthz/live": "sign-in",
    "/HEALTHZ/live": "sign-in",
    "/healthz-admin": "sign-in",
    "/healthzadmin": "sign-in",
    "/HEALTHZ": "sign-in",
    "/Healthz": "sign-in",
    "/healthz/../admin": "sign-in",
    "/healthz/%2e%2e/admin": "sign-in",
    "/admin": "sign-in",
    "/": "sign-in",
}
#: the same for a public Prefix "/healthz"
PREFIX_EXPECTED = {
    **EXACT_EXPECTED,
    "/healthz/": "open",
    "/healthz/live": "open",
    "//healthz/live": "open",
}


#: An app on "/" with API paths "/api" and "/private" (the backend answers /private 401)
API = {"api_paths": ["/api", "/private"]}
API_EXPECTED = {
    "/api": "401",
    "/api/items": "401",
    "/api/items?page=2": "401",
    "/private": "401",
    "/apix": "sign-in",
    "/API/items": "sign-in",
    "/": "sign-in",
    f"{SIGNED_IN}/api/items": "open",
    f"{SIGNED_IN}/private": "backend's 401",
    f"{SIGNED_IN}/": "open",
}


@dataclass(frozen=True)
class Case:
    id: str
    objects: Callable[[], list[dict[str, Any]]]
    expected: dict[str, str]
    #: Ingresses added by hand (ingress-nginx cases only)
    extra: tuple[HostIngress, ...] = ()
    note: str = ""


NGINX_CASES = [
    Case(
        "API paths",
        lambda: emitted(**API),
        API_EXPECTED,
        note="the API Ingress has auth-url but no auth-signin",
    ),
    Case("exact public path", lambda: emitted(**EXACT), EXACT_EXPECTED),
    Case("prefix public path", lambda: emitted(**PREFIX), PREFIX_EXPECTED),
    Case(
        "prefix written with a trailing slash, as emitted",
        lambda: emitted(public_paths=["/static/"], public_path_type=PathType.PREFIX),
        {"/static": "open", "/static/": "open", "/static/app.css": "open", "/staticx": "sign-in"},
        note="the package drops the slash: no 301 on the bare /static",
    ),
    Case(
        "trap: prefix with a trailing slash, written by hand",
        lambda: [o for o in emitted() if o["metadata"]["name"] != "app-public"],
        {"/static": "301", "/static/": "open", "/static/app.css": "open"},
        extra=(HostIngress("apps", "static", (("/static/", "Prefix"),)),),
        note="nginx answers the bare /static with its own 301 before any location runs",
    ),
    Case(
        "trap: another Ingress of the host has use-regex (exact public path)",
        lambda: emitted(**EXACT),
        {
            **EXACT_EXPECTED,
            "/healthz/": "open",
            "/healthz/live": "open",
            "//healthz/live": "open",
            "/HEALTHZ/live": "open",
            "/healthz-admin": "open",
            "/healthzadmin": "open",
            "/HEALTHZ": "open",
            "/Healthz": "open",
        },
        extra=(_regex_ingress(**{"use-regex": "true"}),),
        note='every location becomes ~* "^<path>": the Exact /healthz is a case-insensitive '
        "prefix (PublicPathRegexWarning)",
    ),
    Case(
        "trap: another Ingress of the host has rewrite-target (prefix public path)",
        lambda: emitted(**PREFIX),
        {
            **PREFIX_EXPECTED,
            "/healthz-admin": "open",
            "/healthzadmin": "open",
            "/HEALTHZ": "open",
            "/Healthz": "open",
            "/HEALTHZ/live": "open",
        },
        extra=(_regex_ingress(**{"rewrite-target": "/"}),),
    ),
    Case(
        "trap: a hand-written public Ingress on the app's path, same second, name sorts last",
        lambda: emitted(paths=["/", "/healthz"]),
        {"/healthz": "open", "/healthz/x": "open", "/admin": "sign-in"},
        extra=(HostIngress("apps", "healthz", (("/healthz", "Prefix"),)),),
        note="apps/healthz > apps/app: the hand-written Ingress comes first and wins",
    ),
    Case(
        "trap: the same, the hand-written name sorts first",
        lambda: emitted(paths=["/", "/healthz"]),
        {"/healthz": "sign-in", "/healthz/x": "sign-in", "/admin": "sign-in"},
        extra=(HostIngress("apps", "a-healthz", (("/healthz", "Prefix"),)),),
        note="apps/a-healthz < apps/app: the app's Ingress comes first and wins",
    ),
    Case(
        "trap: the same, the hand-written one a second younger",
        lambda: emitted(paths=["/", "/healthz"]),
        {"/healthz": "sign-in", "/healthz/x": "sign-in"},
        extra=(HostIngress("apps", "healthz", (("/healthz", "Prefix"),), created=1),),
        note="an older Ingress wins whatever the names",
    ),
    Case(
        "public root with a checked /admin",
        lambda: emitted(
            paths=["/admin"],
            public_paths=["/"],
            public_path_type=PathType.PREFIX,
            allow_public_root=True,
        ),
        {
            "/admin": "sign-in",
            "/admin/users": "sign-in",
            "/adminx": "open",
            "/other": "open",
            "/ADMIN": "open",
            "/public/../admin": "sign-in",
        },
        note="a case variant of a checked path is public when the root is (PublicRootWarning)",
    ),
    Case(
        "exact public path under a checked prefix",
        lambda: emitted(paths=["/admin"], public_paths=["/admin/status"]),
        {
            "/admin/status": "open",
            "/admin/status/": "sign-in",
            "/admin/statusx": "sign-in",
            "/admin/STATUS": "sign-in",
            "/admin": "sign-in",
            "/admin/x/../status": "open",
        },
        note="the exact location wins over the prefix location /admin/",
    ),
]

ENVOY_CASES = [
    Case(
        "API paths",
        lambda: emitted(GATEWAY, **API),
        API_EXPECTED,
        note="the app's own proxy runs with --api-route=^/api(/|\\?|$) and ^/private(...)",
    ),
    Case("exact public path", lambda: emitted(GATEWAY, **EXACT), EXACT_EXPECTED),
    Case("prefix public path", lambda: emitted(GATEWAY, **PREFIX), PREFIX_EXPECTED),
    Case(
        "prefix written with a trailing slash",
        lambda: emitted(GATEWAY, public_paths=["/static/"], public_path_type=PathType.PREFIX),
        {"/static": "open", "/static/": "open", "/static/app.css": "open", "/staticx": "sign-in"},
    ),
    Case(
        "public root with a checked /admin",
        lambda: emitted(
            GATEWAY,
            paths=["/admin"],
            public_paths=["/"],
            public_path_type=PathType.PREFIX,
            allow_public_root=True,
        ),
        {
            "/admin": "sign-in",
            "/admin/users": "sign-in",
            "/adminx": "open",
            "/other": "open",
            "/ADMIN": "open",
            "/public/../admin": "sign-in",
        },
        note="the longer PathPrefix /admin wins over the public /, element by element",
    ),
    Case(
        "exact public path under a checked prefix",
        lambda: emitted(GATEWAY, paths=["/admin"], public_paths=["/admin/status"]),
        {
            "/admin/status": "open",
            "/admin/status/": "sign-in",
            "/admin/statusx": "sign-in",
            "/admin/STATUS": "sign-in",
            "/admin": "sign-in",
            "/admin/x/../status": "open",
        },
        note="Exact wins over the longest PathPrefix across HTTPRoutes of the hostname",
    ),
]


@pytest.mark.parametrize("case", NGINX_CASES, ids=[c.id for c in NGINX_CASES])
def test_real_nginx(case):
    assert _observe_case_nginx(case) == case.expected


@pytest.mark.parametrize("case", ENVOY_CASES, ids=[c.id for c in ENVOY_CASES])
def test_real_envoy(case):
    assert _observe_case_envoy(case) == case.expected


def test_the_host_model_writes_regex_locations_when_any_ingress_asks():
    plain, regex = (
        host_locations(ingresses(emitted(**EXACT), *extra))
        for extra in ((), (_regex_ingress(**{"use-regex": "true"}),))
    )
    assert plain[1] is False
    assert regex[1] is True
    # the exact public location is the same object in both: only its modifier changes
    assert {(loc.path, loc.path_type) for loc in plain[0]} <= {
        (loc.path, loc.path_type) for loc in regex[0]
    }


def test_the_host_model_orders_ingresses_as_the_store_does():
    a, b, c = (HostIngress("apps", n, ()) for n in ("a", "b", "c"))
    assert [i.name for i in ordered([a, b, c])] == ["c", "b", "a"]
    assert [i.name for i in ordered([a, replace(c, created=1), b])] == ["b", "a", "c"]


def _observe_case_nginx(case: Case) -> dict[str, str]:
    return observe_nginx(ingresses(case.objects(), *case.extra), list(case.expected))


def _observe_case_envoy(case: Case) -> dict[str, str]:
    return observe_envoy(case.objects(), list(case.expected))


def matrix() -> str:
    """The observed tables, as Markdown."""
    lines = []
    for target, cases, observe in (
        ("ingress-nginx v1.15.1 (model) on real nginx", NGINX_CASES, _observe_case_nginx),
        (
            f"Envoy Gateway (model) on real Envoy {ENVOY_OF_NEWEST_EG}",
            ENVOY_CASES,
            _observe_case_envoy,
        ),
    ):
        lines.append(f"## {target}\n")
        for case in cases:
            seen = observe(case)
            lines.append(f"### {case.id}\n")
            if case.note:
                lines.append(f"{case.note}\n")
            lines.append("| request | answer |\n|---|---|")
            lines += [f"| `{p}` | {o} |" for p, o in seen.items()]
            lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(matrix())


#: envoyproxy/gateway v1.9.0 internal/gatewayapi/testdata/httproute-with-direct-response:
#: PathPrefix matches of four HTTPRoutes of one hostname, as the routes of its xdsIR list
#: them (out.yaml lines 278-372): longest prefix first, whichever route they come from.
GOLDEN_PREFIX_ORDER = ["/value-ref-not-found", "/value-ref", "/too-long", "/inline", "/logo"]


def test_the_envoy_model_orders_routes_of_a_host_as_envoy_gateway_does():
    from tests.envoy_model import _sort_key

    def prefix(value: str) -> dict[str, Any]:
        return {"match": {"path_separated_prefix": value}}

    shuffled = [prefix(p) for p in ("/inline", "/logo", "/value-ref", "/too-long")]
    shuffled.append(prefix("/value-ref-not-found"))
    ordered_ = sorted(shuffled, key=_sort_key)
    assert [r["match"]["path_separated_prefix"] for r in ordered_] == GOLDEN_PREFIX_ORDER
    # internal/gatewayapi/sort.go lines 19-52: Exact before any prefix, even a longer one
    routes = [prefix("/admin/status/all"), {"match": {"path": "/admin/status"}}]
    assert "path" in sorted(routes, key=_sort_key)[0]["match"]
    assert sorted([{"match": {"prefix": "/"}}, prefix("/a")], key=_sort_key)[0] == prefix("/a")
