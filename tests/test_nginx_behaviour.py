"""What real nginx does with the annotations ProtectedApp emits, per controller setup.

Each case renders the model of the ingress-nginx configuration (tests/nginx_model.py) for one
Ingress plus a controller description, starts Debian's nginx with it on loopback and sends:

- an unauthenticated GET ``/a?x=1&y=2``: must be a 302 to the sign-in URL whose ``rd``
  brings back the whole original URL, query included;
- signed in (session cookie), GET ``/`` (200), ``/private`` (the backend's 401, with its
  ``WWW-Authenticate`` and body) and ``/missing`` (the backend's 404).

Six groups: every row of the DOMAIN.md §2 table (hand-written annotation sets), every
controller setup x strategy the construct emits, the combinations the construct refuses
(hand-written, since it will not emit them) to show they really break or really redirect,
the admission order (risk check first: a snippet on v1.12+ defaults gets the whole Ingress
refused), the CVE-2026-24513 bypass on affected and fixed versions, and cases on a non-root
Prefix path (``/v1``: also its exact location and the rest of the host).

Print the observed matrix with ``python -m tests.test_nginx_behaviour``.
These tests never skip: without nginx they fail and say how to install it.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import cdk8s
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oauth_ingress_construct import (
    DEFAULT_RESPONSE_HEADERS,
    BearerTokens,
    ControllerAdvisoryWarning,
    IngressNginx,
    PassThroughStrategy,
    ProtectedApp,
    Provider,
    RiskLevel,
    ServiceRef,
)
from oauth_ingress_construct._targets.ingress_nginx import ANNOTATION_RISK
from tests.conftest import annotations, find
from tests.envoy_stubs import ProxyConfig, Session, running_stubs, sign_jwt
from tests.nginx_model import (
    BACKEND_200_BODY,
    BACKEND_401_BODY,
    BACKEND_401_CHALLENGE,
    BACKEND_404_BODY,
    DEFAULT_BACKEND_404_BODY,
    ECHOED_HEADERS,
    ERROR_BACKEND_200_BODY,
    PARSER_RISK,
    SESSION_COOKIE,
    IngressPath,
    Location,
    Ports,
    admitted,
    auth_location_intercept_off,
    build_auth_location,
    needs_lua,
    parse_echo,
    render,
    server_locations,
)

HOST = "app.example.com"
SIGNIN = f"https://{HOST}/oauth2/start"
SETUP_HINT = (
    "run `scripts/setup.sh --test` (installs Debian nginx, libnginx-mod-http-set-misc and "
    "libnginx-mod-http-lua)"
)
MODULE_DIRS = (Path("/usr/lib/nginx/modules"), Path("/usr/share/nginx/modules"))
MODULES = ("ndk_http_module.so", "ngx_http_set_misc_module.so")  # set-misc needs ndk first
#: For configurations that run ingress-nginx's Lua (the auth cache's key, auth-keepalive).
LUA_MODULE = "ngx_http_lua_module.so"
TIMEOUT = 5.0

# Controller setups (the ConfigMap keys that matter), all v1.15.1 unless named otherwise.
SNIPPETS = {"allow_snippet_annotations": True, "annotations_risk_level": RiskLevel.CRITICAL}
STOCK = IngressNginx()
STOCK_SNIPPETS = IngressNginx(**SNIPPETS)
CM_ERRORS = IngressNginx(custom_http_errors=(404, 503))
CM_ERRORS_SNIPPETS = IngressNginx(custom_http_errors=(404, 503), **SNIPPETS)
CM_ERRORS_DISABLED = IngressNginx(
    custom_http_errors=(404, 503), disable_proxy_intercept_errors=True
)
CM_ERRORS_SNIPPETS_HIGH = IngressNginx(
    custom_http_errors=(404, 503),
    allow_snippet_annotations=True,
    annotations_risk_level=RiskLevel.HIGH,
)
OLD_1_9_6 = IngressNginx(version="1.9.6", allow_snippet_annotations=True)
OLD_1_9_6_CM_ERRORS = IngressNginx(
    version="1.9.6", custom_http_errors=(404, 503), allow_snippet_annotations=True
)
OLD_1_9_6_CM_DISABLED = IngressNginx(
    version="1.9.6",
    custom_http_errors=(404, 503),
    disable_proxy_intercept_errors=True,
    allow_snippet_annotations=True,
)
OLD_1_8_CM_ERRORS = IngressNginx(version="1.8.4", custom_http_errors=(404, 503))
V1_12_0 = IngressNginx(version="1.12.0", custom_http_errors=(404, 503))
V1_11_CM_ERRORS = IngressNginx(version="1.11.5", custom_http_errors=(404, 503))
CM_ERRORS_CRITICAL_NO_SNIPPETS = IngressNginx(
    custom_http_errors=(404, 503), annotations_risk_level=RiskLevel.CRITICAL
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # the ControllerAdvisoryWarning is what these cases show
    # (controller with 401/403 in the ConfigMap's custom-http-errors, fixed?) per version line
    ADVISORY_CONTROLLERS = [
        (IngressNginx(version=v, custom_http_errors=(401, 403)), fixed)
        for v, fixed in (
            ("1.14.2", False),
            ("1.13.6", False),
            ("1.13.7", True),
            ("1.14.3", True),
            ("1.15.1", True),
        )
    ]

OFF = "proxy_intercept_errors off;"


# --------------------------------------------------------------------------- nginx plumbing


def _nginx_binary() -> str:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )
    if found is None:
        pytest.fail(f"nginx is not installed: {SETUP_HINT}", pytrace=False)
    return found


def _modules(*names: str) -> list[Path]:
    """ndk and set-misc (and ``names``), from the module directory or Debian's
    modules-enabled snippets."""
    enabled = [
        # relative paths are relative to Debian's nginx prefix
        Path("/usr/share/nginx") / line.split(None, 1)[1].strip().rstrip(";")
        for conf in sorted(Path("/etc/nginx/modules-enabled").glob("*.conf"))
        for line in conf.read_text().splitlines()
        if line.strip().startswith("load_module")
    ]
    paths = []
    for name in (*MODULES, *names):
        candidates = [d / name for d in MODULE_DIRS] + [p for p in enabled if p.name == name]
        hit = next((p for p in candidates if p.exists()), None)
        if hit is None:
            pytest.fail(f"nginx module {name} is missing: {SETUP_HINT}", pytrace=False)
        paths.append(hit)
    return paths


def _free_ports(n: int) -> list[int]:
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


@dataclass
class Reply:
    """One response, reduced to what the assertions look at."""

    status: int
    headers: Mapping[str, str]
    body: str

    def rd(self) -> str | None:
        """The ``rd`` parameter of a redirect's Location, decoded."""
        values = parse_qs(urlsplit(self.headers.get("location", "")).query).get("rd")
        return values[0] if values else None

    def signin(self) -> str:
        """The Location without its query."""
        return self.headers.get("location", "").split("?", 1)[0]


class Nginx:
    """One nginx master with a rendered configuration, on loopback, in a temp prefix."""

    def __init__(self, workdir: Path) -> None:
        self.binary = _nginx_binary()
        self.modules = _modules()
        self.prefix = workdir
        for sub in ("tmp/body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi"):
            (self.prefix / sub).mkdir(parents=True, exist_ok=True)
        # workers drop to "nobody" when the master runs as root (CI): let them write temp files
        for d in (self.prefix, self.prefix / "tmp", *(self.prefix / "tmp").iterdir()):
            d.chmod(0o777)
        self.ports = Ports(*_free_ports(4))
        self.conf = self.prefix / "nginx.conf"
        self.proc: subprocess.Popen[bytes] | None = None

    def _cmd(self, *extra: str) -> list[str]:
        return [
            self.binary,
            "-p",
            str(self.prefix),
            "-c",
            str(self.conf),
            "-e",
            str(self.prefix / "error.log"),
            *extra,
        ]

    def write(
        self,
        annotations: Mapping[str, str],
        controller: IngressNginx,
        *,
        paths: tuple[IngressPath, ...] = (IngressPath(),),
        error_backend_answers_200: bool = False,
        auth_answers: Mapping[str, Mapping[str, str]] | None = None,
        **more: Any,
    ) -> str:
        lua = any(
            needs_lua(a) for a in [annotations, *(a for a, _ in more.get("more_ingresses", ()))]
        )
        text = render(
            annotations,
            controller,
            host=HOST,
            ports=self.ports,
            prefix=self.prefix,
            modules=_modules(LUA_MODULE) if lua else self.modules,
            paths=paths,
            error_backend_answers_200=error_backend_answers_200,
            auth_answers=auth_answers,
            **more,
        )
        self.conf.write_text(text)
        return text

    def config_test(self) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self._cmd("-t"), capture_output=True, text=True, timeout=TIMEOUT, check=False
        )

    def start(self) -> None:
        self.proc = subprocess.Popen(self._cmd(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                raise AssertionError(f"nginx exited at start: {err}\n{self.conf.read_text()}")
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.ports.ingress), timeout=0.2),
            ):
                return
            time.sleep(0.02)
        raise AssertionError(f"nginx did not start listening within {TIMEOUT}s")

    def reload(self) -> None:
        """Apply a rewritten configuration (SIGHUP), as the controller does; the auth cache
        zone and its files stay. Returns once the old worker shuts down."""
        assert self.proc is not None
        result = self.config_test()
        assert result.returncode == 0, result.stderr
        log = self.prefix / "error.log"
        before = log.read_text().count("gracefully shutting down")
        self.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if log.read_text().count("gracefully shutting down") > before:
                return
            time.sleep(0.02)
        raise AssertionError(f"nginx did not reload within {TIMEOUT}s:\n{log.read_text()}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=TIMEOUT)

    def request(self, path: str, headers: Mapping[str, str]) -> Reply:
        conn = http.client.HTTPConnection("127.0.0.1", self.ports.ingress, timeout=TIMEOUT)
        try:
            conn.request("GET", path, headers={"Host": HOST, **headers})
            resp = conn.getresponse()
            body = resp.read().decode(errors="replace")
            return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, body)
        finally:
            conn.close()

    def get(self, path: str, *, signed_in: bool) -> Reply:
        conn = http.client.HTTPConnection("127.0.0.1", self.ports.ingress, timeout=TIMEOUT)
        try:
            headers = {"Host": HOST}
            if signed_in:
                headers["Cookie"] = f"{SESSION_COOKIE}=opaque-session"
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            body = resp.read().decode(errors="replace")
            return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, body)
        finally:
            conn.close()


@contextlib.contextmanager
def running(
    annotations: Mapping[str, str], controller: IngressNginx, **setup: object
) -> Iterator[Nginx]:
    with tempfile.TemporaryDirectory(prefix="nginx-model-") as tmp:
        nginx = Nginx(Path(tmp))
        nginx.write(annotations, controller, **setup)  # type: ignore[arg-type]
        result = nginx.config_test()
        assert result.returncode == 0, (
            f"nginx -t failed:\n{result.stderr}\n{nginx.conf.read_text()}"
        )
        nginx.start()
        try:
            yield nginx
        finally:
            nginx.stop()


def config_test(
    annotations: Mapping[str, str], controller: IngressNginx, **setup: object
) -> tuple[bool, str]:
    with tempfile.TemporaryDirectory(prefix="nginx-model-") as tmp:
        nginx = Nginx(Path(tmp))
        nginx.write(annotations, controller, **setup)  # type: ignore[arg-type]
        result = nginx.config_test()
        return result.returncode == 0, result.stderr


# --------------------------------------------------------------------------- annotation sets


def synthesized(**props: object) -> dict[str, str]:
    """The protected Ingress's annotations (prefix removed) as ProtectedApp synthesizes them."""
    chart = cdk8s.Chart(cdk8s.App(), "t", namespace="apps", disable_resource_name_hashes=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the SnippetAnnotationWarning is tested elsewhere
        ProtectedApp(
            chart,
            "App",
            host=HOST,
            backend=ServiceRef("app", 8080),
            provider=Provider.oidc(issuer_url="https://login.example.com"),
            **props,  # type: ignore[arg-type]
        )
    return annotations(find(list(cdk8s.Testing.synth(chart)), "Ingress", "app"))


def strategy_of(**props: object) -> PassThroughStrategy | None:
    chart = cdk8s.Chart(cdk8s.App(), "t", namespace="apps", disable_resource_name_hashes=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        app = ProtectedApp(
            chart,
            "App",
            host=HOST,
            backend=ServiceRef("app", 8080),
            provider=Provider.oidc(issuer_url="https://login.example.com"),
            **props,  # type: ignore[arg-type]
        )
    return app.pass_through_strategy


def plain() -> dict[str, str]:
    """auth-url, auth-signin and auth-response-headers, nothing about 401s."""
    return synthesized()


def plus(**extra: str) -> Callable[[], dict[str, str]]:
    """The plain annotation set plus hand-written ones (keys in snake case)."""

    def build() -> dict[str, str]:
        return {**plain(), **{k.replace("_", "-"): v for k, v in extra.items()}}

    return build


# --------------------------------------------------------------------------- the cases

PASS = "401"  # the backend's 401 reaches the client
REDIRECT = "302"  # it becomes a redirect to sign-in
BROKEN = "nginx -t fails"
DROPPED = "Ingress refused"  # the controller refuses the whole Ingress: host not served
BYPASS = "unsigned user reaches the backend"  # CVE-2026-24513


@dataclass
class Case:
    """One controller setup + one annotation set, and what the client must see.

    ``path`` is the Ingress's one Prefix path; the requests go below it. ``unauthenticated``
    is ``REDIRECT`` (302 to sign-in), ``BYPASS`` or, with ``backend_401 == DROPPED``, unused.
    """

    id: str
    controller: IngressNginx
    annotations: Callable[[], Mapping[str, str]]
    backend_401: str
    backend_404: str = "backend 404"
    note: str = ""
    strategy: PassThroughStrategy | None = field(default=None)
    path: str = "/"
    error_backend_answers_200: bool = False
    unauthenticated: str = REDIRECT

    def setup(self) -> dict[str, object]:
        return {
            "paths": (IngressPath(self.path),),
            "error_backend_answers_200": self.error_backend_answers_200,
        }

    @property
    def base(self) -> str:
        return self.path.rstrip("/")


# Every row of DOMAIN.md §2, with a controller that admits snippets (so the row is what nginx
# does with exactly these directives).
DOMAIN_ROWS = [
    Case("defaults", STOCK_SNIPPETS, plus(), PASS),
    Case("configmap-custom-http-errors", CM_ERRORS_SNIPPETS, plus(), REDIRECT),
    Case(
        "configmap-custom-http-errors+server-snippet-off",
        CM_ERRORS_SNIPPETS,
        plus(server_snippet=OFF),
        PASS,
    ),
    Case(
        "ingress-custom-http-errors",
        STOCK_SNIPPETS,
        plus(custom_http_errors="404"),
        REDIRECT,
        "custom error page 404",
    ),
    Case(
        "ingress-custom-http-errors+server-snippet-off",
        STOCK_SNIPPETS,
        plus(custom_http_errors="404", server_snippet=OFF),
        REDIRECT,
        "custom error page 404",
    ),
    Case(
        "ingress-custom-http-errors+configuration-snippet-off",
        STOCK_SNIPPETS,
        plus(custom_http_errors="404", configuration_snippet=OFF),
        BROKEN,
    ),
    Case(
        "configmap-custom-http-errors+configuration-snippet-off",
        CM_ERRORS_SNIPPETS,
        plus(configuration_snippet=OFF),
        PASS,
    ),
    Case(
        "ingress-custom-http-errors+disable-annotation",
        STOCK_SNIPPETS,
        plus(custom_http_errors="404", disable_proxy_intercept_errors="true"),
        PASS,
    ),
    Case(
        "configmap+ingress-custom-http-errors+disable-annotation",
        CM_ERRORS_SNIPPETS,
        plus(custom_http_errors="404", disable_proxy_intercept_errors="true"),
        REDIRECT,
        "custom error page 404",
    ),
]


@dataclass
class Emitted:
    """ProtectedApp(pass_through_401=True, ...) for one setup; calling it gives the annotations."""

    props: dict

    def __call__(self) -> dict[str, str]:
        return synthesized(**self.props)


def emitted(
    controller: IngressNginx | None, strategy: PassThroughStrategy | None = None, **props
) -> Emitted:
    """What ProtectedApp(pass_through_401=True, ...) emits for this setup."""
    return Emitted(
        {
            "pass_through_401": True,
            "pass_through_401_strategy": strategy,
            "controller": controller,
            **props,
        }
    )


S = PassThroughStrategy
# Controller setup x strategy, as the construct emits them. `strategy` is the one it must pick
# (None in the argument = chosen automatically). The seed case describes no controller; it is
# run against the controller the seed was written for (ConfigMap custom-http-errors with
# snippets admitted).
EMITTED = [
    Case("stock/auto", STOCK, emitted(STOCK), PASS, strategy=S.NONE_NEEDED),
    Case(
        "stock/explicit-disable-annotation",
        STOCK,
        emitted(STOCK, S.DISABLE_INTERCEPT_ANNOTATION),
        PASS,
        strategy=S.DISABLE_INTERCEPT_ANNOTATION,
    ),
    Case(
        "stock+snippets/explicit-server-snippet",
        STOCK_SNIPPETS,
        emitted(STOCK_SNIPPETS, S.SERVER_SNIPPET),
        PASS,
        strategy=S.SERVER_SNIPPET,
    ),
    Case(
        "stock+ingress-errors/auto",
        STOCK,
        emitted(STOCK, custom_http_errors=[404]),
        PASS,
        "backend 404",
        "the annotation also lets the backend's own 404 through",
        strategy=S.DISABLE_INTERCEPT_ANNOTATION,
    ),
    Case(
        "configmap-errors+snippets/auto",
        CM_ERRORS_SNIPPETS,
        emitted(CM_ERRORS_SNIPPETS),
        PASS,
        strategy=S.CONFIGURATION_SNIPPET,
    ),
    Case(
        "configmap-errors+snippets/explicit-server-snippet",
        CM_ERRORS_SNIPPETS,
        emitted(CM_ERRORS_SNIPPETS, S.SERVER_SNIPPET),
        PASS,
        strategy=S.SERVER_SNIPPET,
    ),
    Case(
        "configmap-errors+snippets+ingress-errors/auto",
        CM_ERRORS_SNIPPETS,
        emitted(CM_ERRORS_SNIPPETS, custom_http_errors=[404]),
        PASS,
        strategy=S.CONFIGURATION_SNIPPET,
    ),
    Case(
        "configmap-errors+snippets+ingress-errors/explicit-server-snippet",
        CM_ERRORS_SNIPPETS,
        emitted(CM_ERRORS_SNIPPETS, S.SERVER_SNIPPET, custom_http_errors=[404]),
        PASS,
        strategy=S.SERVER_SNIPPET,
    ),
    Case(
        "configmap-errors+configmap-disable/auto",
        CM_ERRORS_DISABLED,
        emitted(CM_ERRORS_DISABLED),
        PASS,
        strategy=S.NONE_NEEDED,
    ),
    Case(
        "configmap-errors+configmap-disable+ingress-errors/auto",
        CM_ERRORS_DISABLED,
        emitted(CM_ERRORS_DISABLED, custom_http_errors=[404]),
        PASS,
        strategy=S.DISABLE_INTERCEPT_ANNOTATION,
    ),
    Case(
        "v1.8-configmap-errors/auto",
        OLD_1_8_CM_ERRORS,
        emitted(OLD_1_8_CM_ERRORS),
        PASS,
        note="v1.8 admits snippets by default",
        strategy=S.CONFIGURATION_SNIPPET,
    ),
    Case(
        "undescribed (seed)/auto",
        CM_ERRORS_SNIPPETS,
        emitted(None),
        PASS,
        strategy=S.SERVER_SNIPPET,
    ),
    Case(
        "undescribed+ingress-errors/auto",
        CM_ERRORS_SNIPPETS,
        emitted(None, custom_http_errors=[404]),
        PASS,
        strategy=S.SERVER_SNIPPET,
    ),
    Case(
        "configmap-errors/pass_through_401=False",
        CM_ERRORS,
        plain,
        REDIRECT,
        note="without pass-through the interception is visible",
    ),
]

# What the construct refuses, hand-written, and what the controller and nginx make of it.
REFUSED = [
    Case(
        "risk-level-high: configmap-errors + configuration-snippet",
        CM_ERRORS_SNIPPETS_HIGH,
        plus(configuration_snippet=OFF),
        DROPPED,
        DROPPED,
        "a Critical annotation above annotations-risk-level High: the whole Ingress is refused",
    ),
    Case(
        "none-needed: configmap-errors",
        CM_ERRORS_SNIPPETS,
        plain,
        REDIRECT,
    ),
    Case(
        "disable-annotation: configmap-errors",
        CM_ERRORS_SNIPPETS,
        plus(disable_proxy_intercept_errors="true"),
        REDIRECT,
    ),
    Case(
        "disable-annotation: configmap+ingress-errors",
        CM_ERRORS_SNIPPETS,
        plus(custom_http_errors="404", disable_proxy_intercept_errors="true"),
        REDIRECT,
        "custom error page 404",
    ),
    Case(
        "none-needed: ingress-errors",
        STOCK,
        plus(custom_http_errors="404"),
        REDIRECT,
        "custom error page 404",
    ),
    Case(
        "server-snippet vs ingress-errors (no disable annotation)",
        STOCK_SNIPPETS,
        plus(custom_http_errors="404", server_snippet=OFF),
        REDIRECT,
        "custom error page 404",
    ),
    Case(
        "duplicate: ingress-errors + configuration-snippet (no disable annotation)",
        STOCK_SNIPPETS,
        plus(custom_http_errors="404", configuration_snippet=OFF),
        BROKEN,
    ),
    Case(
        "v1.9.6: ingress-errors + disable annotation (ignored)",
        OLD_1_9_6,
        plus(custom_http_errors="404", disable_proxy_intercept_errors="true"),
        REDIRECT,
        "custom error page 404",
    ),
    Case(
        "v1.9.6: ingress-errors + disable annotation + configuration-snippet",
        OLD_1_9_6,
        plus(
            custom_http_errors="404",
            disable_proxy_intercept_errors="true",
            configuration_snippet=OFF,
        ),
        BROKEN,
    ),
    Case(
        "v1.9.6: configmap-errors + configmap disable (ignored), no snippet",
        OLD_1_9_6_CM_DISABLED,
        plain,
        REDIRECT,
    ),
    Case(
        "v1.9.6: configmap-errors + ingress-errors + disable annotation + server-snippet",
        OLD_1_9_6_CM_ERRORS,
        plus(
            custom_http_errors="404",
            disable_proxy_intercept_errors="true",
            server_snippet=OFF,
        ),
        REDIRECT,
        "custom error page 404",
    ),
]


# Admission: the risk check runs over every annotation before snippets are dropped
# (tests/nginx_model.py admitted()). On v1.12+ defaults a snippet gets the whole Ingress
# refused; only at risk level Critical with snippets disabled is the snippet dropped alone.
ADMISSION = [
    Case(
        "v1.15.1 defaults: configmap-errors + server-snippet (the seed's Ingress)",
        CM_ERRORS,
        plus(server_snippet=OFF),
        DROPPED,
        DROPPED,
        "risk check first: the whole Ingress is refused, the host is not served",
    ),
    Case(
        "v1.15.1 defaults: configmap-errors + configuration-snippet",
        CM_ERRORS,
        plus(configuration_snippet=OFF),
        DROPPED,
        DROPPED,
    ),
    Case(
        "v1.12.0 defaults: server-snippet",
        V1_12_0,
        plus(server_snippet=OFF),
        DROPPED,
        DROPPED,
    ),
    Case(
        "risk-level-high + snippets allowed: configmap-errors + configuration-snippet",
        CM_ERRORS_SNIPPETS_HIGH,
        plus(configuration_snippet=OFF),
        DROPPED,
        DROPPED,
        "a Critical annotation above annotations-risk-level High: the whole Ingress is refused",
    ),
    Case(
        "risk-level Critical, snippets disabled: configmap-errors + configuration-snippet",
        CM_ERRORS_CRITICAL_NO_SNIPPETS,
        plus(configuration_snippet=OFF),
        REDIRECT,
        note="passes the risk check; the snippet alone is dropped, the rest is served",
    ),
    Case(
        "v1.11.5 defaults (risk Critical, snippets disabled): configmap-errors + server-snippet",
        V1_11_CM_ERRORS,
        plus(server_snippet=OFF),
        REDIRECT,
        note="before v1.12 the default risk level admits it; the snippet is dropped",
    ),
]

# CVE-2026-24513: 401/403 in the ConfigMap's custom-http-errors and a default backend that
# ignores X-Code and answers 200. Before the fix the auth sub-request's 401 goes to that
# backend, auth_request sees 200 and lets an unsigned user through; with the fix
# (proxy_intercept_errors off in the auth location) it is a 302 to sign-in. The backend's
# own 401 is a sign-in redirect in all of them (pass-through is not asked for here).
ADVISORY = [
    Case(
        f"v{c.version}: configmap custom-http-errors 401,403 + X-Code-ignoring backend",
        c,
        plain,
        REDIRECT,
        error_backend_answers_200=True,
        unauthenticated=REDIRECT if fixed else BYPASS,
        note="fixed" if fixed else "affected",
    )
    for c, fixed in ADVISORY_CONTROLLERS
]

# The same on a non-root Prefix path: "/v1" becomes "/v1/" + "= /v1", and the host's root
# location carries the Ingress's auth annotations (answered by the default backend).
NON_ROOT = [
    Case(
        "/v1 stock/auto",
        STOCK,
        emitted(STOCK, paths=["/v1"]),
        PASS,
        strategy=S.NONE_NEEDED,
        path="/v1",
    ),
    Case(
        "/v1 configmap-errors+snippets/auto",
        CM_ERRORS_SNIPPETS,
        emitted(CM_ERRORS_SNIPPETS, paths=["/v1"]),
        PASS,
        strategy=S.CONFIGURATION_SNIPPET,
        path="/v1",
    ),
    Case(
        "/v1 undescribed (seed)/auto",
        CM_ERRORS_SNIPPETS,
        emitted(None, paths=["/v1"]),
        PASS,
        strategy=S.SERVER_SNIPPET,
        path="/v1",
    ),
    Case(
        "/v1 stock+ingress-errors/auto",
        STOCK,
        emitted(STOCK, custom_http_errors=[404], paths=["/v1"]),
        PASS,
        strategy=S.DISABLE_INTERCEPT_ANNOTATION,
        path="/v1",
    ),
    Case(
        "/v1 configmap-errors/pass_through_401=False",
        CM_ERRORS,
        plain,
        REDIRECT,
        path="/v1",
    ),
    Case(
        "/v1 v1.15.1 defaults: server-snippet",
        CM_ERRORS,
        plus(server_snippet=OFF),
        DROPPED,
        DROPPED,
        path="/v1",
    ),
    Case(
        "/v1 v1.14.2: configmap custom-http-errors 401,403 + X-Code-ignoring backend",
        ADVISORY_CONTROLLERS[0][0],
        plain,
        REDIRECT,
        error_backend_answers_200=True,
        unauthenticated=BYPASS,
        path="/v1",
    ),
    Case(
        "/v1 v1.15.1: configmap custom-http-errors 401,403 + X-Code-ignoring backend",
        ADVISORY_CONTROLLERS[-1][0],
        plain,
        REDIRECT,
        error_backend_answers_200=True,
        path="/v1",
    ),
]


def observe(case: Case) -> dict[str, str]:
    """Run one case; return what the client saw, in the words of the matrix."""
    ok, stderr = config_test(case.annotations(), case.controller, **case.setup())
    if not ok:
        return {"nginx -t": "fails: " + _first_emerg(stderr)}
    base = case.base
    with running(case.annotations(), case.controller, **case.setup()) as nginx:
        unauth = nginx.get(f"{base}/a?x=1&y=2", signed_in=False)
        home = nginx.get(f"{base}/", signed_in=True)
        private = nginx.get(f"{base}/private", signed_in=True)
        missing = nginx.get(f"{base}/missing", signed_in=True)
        # a non-root path: the exact location "= /v1" and the root location of the host
        exact = nginx.get(base, signed_in=True) if base else None
        outside_unauth = nginx.get("/other", signed_in=False) if base else None
        outside = nginx.get("/other", signed_in=True) if base else None
    seen = {
        "nginx -t": "ok",
        "unauthenticated": _summary(unauth)
        + (", rd intact" if unauth.rd() == f"http://{HOST}{base}/a?x=1&y=2" else ""),
        "signed in": _summary(home),
        "backend 401": _summary(private),
        "backend 404": _summary(missing),
        "_unauth": unauth,
        "_home": home,
        "_private": private,
        "_missing": missing,
    }
    if exact is not None and outside is not None and outside_unauth is not None:
        seen |= {
            "exact path": _summary(exact),
            "rest of host": f"{_summary(outside_unauth)} / signed in {_summary(outside)}",
            "_exact": exact,
            "_outside_unauth": outside_unauth,
            "_outside": outside,
        }
    return seen  # type: ignore[return-value]


def _first_emerg(stderr: str) -> str:
    line = next((ln for ln in stderr.splitlines() if "[emerg]" in ln), stderr.strip())
    return line.split("[emerg]", 1)[-1].split(" in /", 1)[0].strip()


def _summary(reply: Reply) -> str:
    if reply.status == 302:
        return f"302 -> {reply.signin()}"
    if reply.status == 401 and reply.body == BACKEND_401_BODY:
        return "401 from backend"
    if reply.status == 404 and reply.body == BACKEND_404_BODY:
        return "404 from backend"
    if reply.status == 200 and reply.body == BACKEND_200_BODY:
        return "200 from backend"
    if reply.body.startswith("custom error page"):
        return f"{reply.status} custom error page"
    if reply.body == DEFAULT_BACKEND_404_BODY:
        return f"{reply.status} default backend"
    if reply.body == ERROR_BACKEND_200_BODY:
        return f"{reply.status} default backend (X-Code ignored)"
    return f"{reply.status}"


# --------------------------------------------------------------------------- assertions


def _check_unauthenticated(reply: Reply, base: str = "") -> None:
    assert reply.status == 302, reply
    assert reply.signin() == SIGNIN
    assert reply.rd() == f"http://{HOST}{base}/a?x=1&y=2", reply.headers["location"]


def _check(case: Case, seen: dict) -> None:
    if case.backend_401 == BROKEN:
        assert seen["nginx -t"].startswith("fails"), seen
        assert '"proxy_intercept_errors" directive is duplicate' in seen["nginx -t"], seen
        return
    assert seen["nginx -t"] == "ok"
    if case.backend_401 == DROPPED:
        # the catch-all server answers: no redirect, no backend, for anyone
        for key in ("_unauth", "_home", "_private"):
            assert (seen[key].status, seen[key].body) == (404, DEFAULT_BACKEND_404_BODY), seen
        return
    if case.unauthenticated == BYPASS:
        assert (seen["_unauth"].status, seen["_unauth"].body) == (200, BACKEND_200_BODY), seen
    else:
        _check_unauthenticated(seen["_unauth"], case.base)
    assert seen["signed in"] == "200 from backend", seen
    private: Reply = seen["_private"]
    if case.backend_401 == PASS:
        assert private.status == 401, seen
        assert private.body == BACKEND_401_BODY
        assert private.headers.get("www-authenticate") == BACKEND_401_CHALLENGE
    else:
        assert private.status == 302, seen
        assert private.signin() == SIGNIN
        assert private.rd() == f"http://{HOST}{case.base}/private"
        # nginx keeps the intercepted 401's challenge on the redirect
        assert private.headers.get("www-authenticate") == BACKEND_401_CHALLENGE
    missing: Reply = seen["_missing"]
    if case.backend_404 == "backend 404":
        assert (missing.status, missing.body) == (404, BACKEND_404_BODY), seen
    else:
        assert (missing.status, missing.body.strip()) == (404, case.backend_404), seen
    if case.base:
        # "= /v1" is served like "/v1/"; the rest of the host is the root location the
        # controller adds: protected by the same annotations, answered by the default backend
        assert seen["exact path"] == "200 from backend", seen
        default_answer = (
            (200, ERROR_BACKEND_200_BODY)
            if case.error_backend_answers_200
            else (404, DEFAULT_BACKEND_404_BODY)
        )
        outside_unauth: Reply = seen["_outside_unauth"]
        if case.unauthenticated == BYPASS:
            assert (outside_unauth.status, outside_unauth.body) == default_answer, seen
        else:
            assert outside_unauth.status == 302, seen
            assert outside_unauth.signin() == SIGNIN
        assert (seen["_outside"].status, seen["_outside"].body) == default_answer, seen


@pytest.mark.parametrize("case", DOMAIN_ROWS, ids=[c.id for c in DOMAIN_ROWS])
def test_domain_table_row(case):
    _check(case, observe(case))


@pytest.mark.parametrize("case", EMITTED, ids=[c.id for c in EMITTED])
def test_emitted_annotations_pass_the_401_through(case):
    _check(case, observe(case))


@pytest.mark.parametrize("case", REFUSED, ids=[c.id for c in REFUSED])
def test_refused_combination_really_breaks_or_redirects(case):
    _check(case, observe(case))


@pytest.mark.parametrize("case", ADMISSION, ids=[c.id for c in ADMISSION])
def test_admission_refuses_whole_or_drops_snippet(case):
    _check(case, observe(case))


@pytest.mark.parametrize("case", ADVISORY, ids=[c.id for c in ADVISORY])
def test_auth_advisory_bypass_before_the_fix_redirect_after(case):
    _check(case, observe(case))


@pytest.mark.parametrize("case", NON_ROOT, ids=[c.id for c in NON_ROOT])
def test_non_root_path(case):
    _check(case, observe(case))


@pytest.mark.parametrize(("controller", "fixed"), ADVISORY_CONTROLLERS)
def test_advisory_warning_matches_the_modelled_template(controller, fixed):
    # the package warns exactly for the versions whose template lacks the auth-location fix
    assert auth_location_intercept_off(controller) is fixed
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        IngressNginx(version=controller.version, custom_http_errors=(401,))
    warned = [w for w in caught if issubclass(w.category, ControllerAdvisoryWarning)]
    assert bool(warned) is not fixed


_WITH_STRATEGY = [c for c in EMITTED + NON_ROOT if c.strategy]


@pytest.mark.parametrize("case", _WITH_STRATEGY, ids=[c.id for c in _WITH_STRATEGY])
def test_emitted_case_is_named_after_the_strategy_protectedapp_reports(case):
    assert isinstance(case.annotations, Emitted)
    assert strategy_of(**case.annotations.props) is case.strategy


@pytest.mark.parametrize(
    ("signin", "rd"),
    [
        pytest.param(SIGNIN, f"http://{HOST}/a?x=1&y=2", id="no-rd(controller-appends-escaped)"),
        pytest.param(
            SIGNIN + "?rd=$scheme://$host$escaped_request_uri",
            f"http://{HOST}/a?x=1&y=2",
            id="rd-with-escaped_request_uri",
        ),
        pytest.param(
            SIGNIN + "?rd=$scheme://$host$request_uri",
            f"http://{HOST}/a?x=1",
            id="seed-rd-with-request_uri(loses-&y=2)",
        ),
    ],
)
def test_rd_round_trip_of_a_url_with_a_query(signin, rd):
    annotation_set = {**plain(), "auth-signin": signin}
    with running(annotation_set, STOCK) as nginx:
        reply = nginx.get("/a?x=1&y=2", signed_in=False)
    assert reply.status == 302
    assert reply.signin() == SIGNIN
    assert reply.rd() == rd, reply.headers["location"]


def test_model_writes_paths_as_the_controller_does():
    # a non-root Prefix path: "/v1/" + "= /v1", each with its own auth location named from
    # its normalised path and type, plus the host's root location (default backend)
    assert server_locations([IngressPath("/v1")]) == [
        Location("/", "Prefix", default_backend=True),
        Location("/v1/", "Prefix"),
        Location("/v1", "Exact"),
    ]
    assert build_auth_location(Location("/v1/", "Prefix")) == "/_external-auth-L3YxLw-Prefix"
    assert build_auth_location(Location("/v1", "Exact")) == "/_external-auth-L3Yx-Exact"
    # an Exact path of its own stops the copy; "/" replaces the root location
    assert server_locations([IngressPath("/v1"), IngressPath("/v1", "Exact")]) == [
        Location("/", "Prefix", default_backend=True),
        Location("/v1/", "Prefix"),
        Location("/v1", "Exact"),
    ]
    assert server_locations([IngressPath("/")]) == [Location("/", "Prefix")]


def test_model_admission_order():
    seed = {**plain(), "server-snippet": OFF}
    # v1.15.1 defaults: the risk check refuses the whole Ingress before snippets are looked at
    assert admitted(seed, CM_ERRORS) is None
    # risk level Critical, snippets disabled: only the snippet goes
    kept = admitted(seed, CM_ERRORS_CRITICAL_NO_SNIPPETS)
    assert kept is not None
    assert "server-snippet" not in kept
    assert kept["auth-url"] == seed["auth-url"]


def test_model_and_package_agree_on_risk_levels():
    assert dict(ANNOTATION_RISK) == {k: PARSER_RISK[k] for k in ANNOTATION_RISK}


PRE_AUTH_PATHS = ("/ping", "/ready", "/robots.txt", "/liveness_check", "/readiness_check")
PRE_AUTH_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS")


def test_oauth2_proxys_own_endpoints_never_answer_an_ingress_nginx_apps_check():
    """The app's /ping, /ready, /robots.txt (any method, the GCP health checker's user agent,
    a forged X-Forwarded-Uri) stay behind sign-in on ingress-nginx: the auth sub-request
    always asks ``/oauth2/auth`` (the auth-url's path), which oauth2-proxy's pre-auth chain
    and robots route never match (they match the request path, not X-Forwarded-Uri), so
    AuthOnly checks the session. Real nginx in front of the oauth2-proxy stub of the Envoy
    suite, which models v7.15.3's pre-auth chain, in the mode the emitted Deployment's
    flags set."""
    chart = cdk8s.Chart(cdk8s.App(), "t", namespace="apps", disable_resource_name_hashes=True)
    ProtectedApp(
        chart,
        "App",
        host=HOST,
        backend=ServiceRef("app", 8080),
        provider=Provider.oidc(issuer_url="https://login.example.com"),
        controller=STOCK,
    )
    objects = list(cdk8s.Testing.synth(chart))
    deployment = find(objects, "Deployment", "app-oauth2-proxy")
    flags: dict[str, list[str]] = {}
    for arg in deployment["spec"]["template"]["spec"]["containers"][0]["args"]:
        name, _, value = arg.partition("=")
        flags.setdefault(name, []).append(value)
    assert flags["--upstream"] == ["static://202"]
    config = ProxyConfig.from_flags(flags, {"opaque-session": Session("alice")})
    ann = annotations(find(objects, "Ingress", "app"))
    with running_stubs(config) as stubs, running(ann, STOCK) as nginx:
        # point the auth location at the stub (the model's stand-in answers only /oauth2/auth)
        text = nginx.conf.read_text()
        target = f"http://127.0.0.1:{nginx.ports.auth}/oauth2/auth"
        assert text.count(target) == 1
        nginx.conf.write_text(
            text.replace(target, f"http://127.0.0.1:{stubs.proxy_port}/oauth2/auth")
        )
        assert nginx.config_test().returncode == 0
        nginx.stop()
        nginx.start()

        def ask(method: str, path: str, headers: dict[str, str]) -> tuple[int, str]:
            conn = http.client.HTTPConnection("127.0.0.1", nginx.ports.ingress, timeout=TIMEOUT)
            try:
                conn.request(method, path, headers={"Host": HOST, **headers})
                resp = conn.getresponse()
                resp.read()
                return resp.status, resp.getheader("location") or ""
            finally:
                conn.close()

        forged = {"User-Agent": "GoogleHC/1.0", "X-Forwarded-Uri": "/ping"}
        for path in PRE_AUTH_PATHS:
            for method in PRE_AUTH_METHODS:
                for headers in ({}, forged):
                    status, location = ask(method, path, headers)
                    assert (status, location.split("?")[0]) == (302, SIGNIN), (method, path)
        # signed in, the same requests reach the backend: the check is the session
        assert ask("GET", "/ping", {"Cookie": f"{SESSION_COOKIE}=opaque-session"})[0] == 200
        assert {seen["path"] for seen in stubs.proxy_seen} == {"/oauth2/auth"}


def test_a_pinned_bearer_token_reaches_the_api_and_others_get_401_on_ingress_nginx():
    """``bearer_tokens``: real nginx in front of the oauth2-proxy stub in the mode of the
    emitted flags. A token of the provider's issuer for the client id or a listed audience,
    or of the extra issuer for its audience, reaches the API path; a token of another
    audience or issuer, a badly signed or expired one get 401, never a redirect; a page
    without a session still redirects to sign-in."""
    issuer, ci = "https://login.example.com", "https://ci.example.com"
    chart = cdk8s.Chart(cdk8s.App(), "t", namespace="apps", disable_resource_name_hashes=True)
    ProtectedApp(
        chart,
        "App",
        host=HOST,
        backend=ServiceRef("app", 8080),
        provider=Provider.oidc(issuer_url=issuer, client_id="tool-client"),
        controller=STOCK,
        api_paths=["/api/"],
        auth_cache=True,
        bearer_tokens=BearerTokens(audiences=["tool-api"], extra_issuers=[(ci, "tool-ci")]),
    )
    objects = list(cdk8s.Testing.synth(chart))
    container = find(objects, "Deployment", "app-oauth2-proxy")["spec"]["template"]["spec"][
        "containers"
    ][0]
    flags: dict[str, list[str]] = {}
    for arg in container["args"]:
        name, _, value = arg.partition("=")
        flags.setdefault(name, []).append(value)
    env = {e["name"]: e.get("value", "") for e in container["env"]}
    config = ProxyConfig.from_flags(flags, {}, client_id=env["OAUTH2_PROXY_CLIENT_ID"])
    good = [
        sign_jwt({"iss": issuer, "aud": "tool-client", "sub": "alice"}),
        sign_jwt({"iss": issuer, "aud": ["other", "tool-api"], "sub": "alice"}),
        sign_jwt({"iss": ci, "aud": "tool-ci", "sub": "deploy-job"}),
        sign_jwt({"iss": ci, "aud": "tool-api", "sub": "deploy-job"}),  # extra audiences
    ]
    bad = [
        sign_jwt({"iss": issuer, "aud": "someone-else", "sub": "mallory"}),
        sign_jwt({"iss": ci, "aud": "tool-client", "sub": "mallory"}),  # not ci's pair
        sign_jwt({"iss": "https://evil.example.com", "aud": "tool-api", "sub": "mallory"}),
        sign_jwt({"iss": issuer, "aud": "tool-api", "sub": "mallory"}, key=b"not the key"),
        sign_jwt({"iss": issuer, "aud": "tool-api", "sub": "mallory", "exp": 1}),
        sign_jwt({"iss": issuer, "aud": "*", "sub": "mallory"}),
    ]
    for ingress, path in (("app-api", "/api/whoami"), ("app", "/whoami")):
        ann = annotations(find(objects, "Ingress", ingress))
        assert "${http_authorization}" in ann["auth-cache-key"]
        with running_stubs(config) as stubs, running(ann, STOCK) as nginx:
            text = nginx.conf.read_text()
            target = f"http://127.0.0.1:{nginx.ports.auth}/oauth2/auth"
            nginx.conf.write_text(
                text.replace(target, f"http://127.0.0.1:{stubs.proxy_port}/oauth2/auth")
            )
            assert nginx.config_test().returncode == 0
            nginx.stop()
            nginx.start()

            def ask(headers: dict[str, str], path: str = path) -> tuple[int, str, str]:
                conn = http.client.HTTPConnection("127.0.0.1", nginx.ports.ingress, timeout=TIMEOUT)
                try:
                    conn.request("GET", path, headers={"Host": HOST, **headers})
                    resp = conn.getresponse()
                    body = resp.read().decode()
                    return resp.status, resp.getheader("location") or "", body
                finally:
                    conn.close()

            for token in good:
                status, _, body = ask({"Authorization": f"Bearer {token}"})
                assert status == 200, (ingress, token)
                assert parse_echo(body)["X-Auth-Request-User"] in ("alice", "deploy-job")
            for token in bad:
                status, location, _ = ask({"Authorization": f"Bearer {token}"})
                if ingress == "app-api":
                    assert (status, location) == (401, ""), token
                else:  # a page: no session, so sign in
                    assert (status, location.split("?")[0]) == (302, SIGNIN), token
            status, location, _ = ask({})
            expected = (401, "") if ingress == "app-api" else (302, SIGNIN)
            assert (status, location.split("?")[0]) == expected
            assert any(seen.get("authorization") for seen in stubs.proxy_seen)


def test_nginx_missing_fails_with_set_up_hint(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    monkeypatch.setattr(os, "access", lambda *_a: False)
    with pytest.raises(pytest.fail.Exception, match=r"scripts/setup\.sh --test"):
        _nginx_binary()


# --------------------------------------------------------------------------- the matrix


# --------------------------------------------------------------------------- identity headers
#
# A client sends its own value of every identity header oauth2-proxy v7.15.3 can set; the
# stand-in oauth2-proxy answers alice's check with all of them (an ID token too) and bob's
# with user, e-mail and GAP-Auth only (no groups, no preferred username, no ID token:
# oauth2-proxy skips empty claims, pkg/header/injector.go). Whatever ``response_headers``
# is, the backend must see each identity header with the proxy's value or not at all.

FORGED_IDENTITY = {h: f"forged-{h.lower()}" for h in ECHOED_HEADERS}
FORGED_IDENTITY["Authorization"] = "Bearer forged-token"
AUTH_ANSWERS = {
    "alice": {
        "X-Auth-Request-User": "alice",
        "X-Auth-Request-Email": "alice@example.com",
        "X-Auth-Request-Preferred-Username": "alice",
        "X-Auth-Request-Groups": "admins,dev",
        "GAP-Auth": "alice@example.com",
        "Authorization": "Bearer id-token-of-alice",
    },
    "bob": {
        "X-Auth-Request-User": "bob",
        "X-Auth-Request-Email": "bob@example.com",
        "GAP-Auth": "bob@example.com",
    },
}


def seen_by_backend(annotations: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """Per user, what the backend's /whoami saw of each identity header ('' = absent)."""
    seen = {}
    with running(annotations, STOCK, auth_answers=AUTH_ANSWERS) as nginx:
        for user in AUTH_ANSWERS:
            reply = nginx.request(
                "/whoami", {"Cookie": f"{SESSION_COOKIE}={user}", **FORGED_IDENTITY}
            )
            assert reply.status == 200, (reply.status, reply.body)
            seen[user] = parse_echo(reply.body)
    return seen


def _assert_never_forged(seen: dict[str, dict[str, str]], *, authorization: bool) -> None:
    for user, headers in seen.items():
        answer = AUTH_ANSWERS[user]
        for name in ECHOED_HEADERS:
            if name == "Authorization" and not authorization:
                # the client's own credential, untouched, when the app did not ask for the
                # proxy's (an API client's token is for the backend)
                assert headers[name] == FORGED_IDENTITY[name], (user, headers)
                continue
            assert headers[name] in ("", answer.get(name, "")), (user, name, headers)
            assert headers[name] != FORGED_IDENTITY[name], (user, name, headers)


@pytest.mark.parametrize(
    ("response_headers", "pass_authorization_header"),
    [
        (None, False),  # the default
        ((), False),
        (("X-Auth-Request-User",), False),
        (("X-Auth-Request-Email", "X-Auth-Request-Preferred-Username"), True),
        (("x-auth-request-groups",), True),
    ],
)
def test_a_client_sent_identity_header_never_reaches_the_backend(
    response_headers, pass_authorization_header
):
    props: dict[str, object] = {"pass_authorization_header": pass_authorization_header}
    if response_headers is not None:
        props["response_headers"] = list(response_headers)
    seen = seen_by_backend(synthesized(**props))
    _assert_never_forged(seen, authorization=pass_authorization_header)
    # what the app asked for arrives with the proxy's value
    asked = response_headers if response_headers is not None else DEFAULT_RESPONSE_HEADERS
    for name in (ECHO_NAME[h.lower()] for h in asked):
        assert seen["alice"][name] == AUTH_ANSWERS["alice"][name]
    if pass_authorization_header:
        assert seen["alice"]["Authorization"] == "Bearer id-token-of-alice"
        assert seen["bob"]["Authorization"] == ""  # no ID token: removed, not the client's


ECHO_NAME = {h.lower(): h for h in ECHOED_HEADERS}


@settings(max_examples=12, deadline=None, derandomize=True, database=None)
@given(
    response_headers=st.lists(
        st.sampled_from(
            [
                "X-Auth-Request-User",
                "X-Auth-Request-Email",
                "X-Auth-Request-Preferred-Username",
                "X-Auth-Request-Groups",
                "x-auth-request-groups",
                "X-AUTH-REQUEST-EMAIL",
            ]
        ),
        max_size=4,
    ),
    pass_authorization_header=st.booleans(),
)
def test_no_response_headers_let_a_forged_identity_header_through(
    response_headers, pass_authorization_header
):
    seen = seen_by_backend(
        synthesized(
            response_headers=response_headers, pass_authorization_header=pass_authorization_header
        )
    )
    _assert_never_forged(seen, authorization=pass_authorization_header)


def test_listing_only_the_apps_headers_lets_the_others_through():
    # The trap the annotation avoids: auth-response-headers with the app's headers only (the
    # package's output before every identity header was listed).
    ann = {**synthesized(), "auth-response-headers": "X-Auth-Request-User"}
    seen = seen_by_backend(ann)
    assert seen["alice"]["X-Auth-Request-User"] == "alice"
    assert seen["bob"]["X-Auth-Request-Groups"] == FORGED_IDENTITY["X-Auth-Request-Groups"]
    assert seen["alice"]["GAP-Auth"] == FORGED_IDENTITY["GAP-Auth"]


def matrix() -> str:
    """The observed matrix as a Markdown table."""
    cols = ["nginx -t", "unauthenticated", "backend 401", "backend 404"]
    non_root_cols = [*cols, "exact path", "rest of host"]
    lines = []
    for title, cases, columns in (
        ("DOMAIN.md §2 rows", DOMAIN_ROWS, cols),
        ("What the construct emits (setup/strategy)", EMITTED, cols),
        ("Refused by the construct (hand-written)", REFUSED, cols),
        ("Admission: risk check first, then snippets dropped", ADMISSION, cols),
        ("CVE-2026-24513: auth sub-request and an X-Code-ignoring default backend", ADVISORY, cols),
        (
            "Non-root Prefix path /v1 (requests under /v1; rest of host = /other)",
            NON_ROOT,
            non_root_cols,
        ),
    ):
        lines += [f"\n#### {title}\n", "| case | " + " | ".join(columns) + " |"]
        lines.append("|---" * (len(columns) + 1) + "|")
        for case in cases:
            seen = observe(case)
            row = [seen.get(c, "-") for c in columns]
            label = case.id if case.strategy is None else f"{case.id} -> {case.strategy.value}"
            lines.append(f"| {label} | " + " | ".join(row) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    start = time.monotonic()
    sys.stdout.write(matrix() + f"\n\n({time.monotonic() - start:.1f}s)\n")
