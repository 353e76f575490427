"""What the auth check costs per request: real nginx and real Envoy, a fast stub, wrk.

Five setups of one protected app on 127.0.0.1, each answering a signed-in ``GET /`` from
one client session (the ``_oauth2_proxy`` cookie):

- (a) ``unprotected``: the controller proxies to the backend, no ``auth-url``;
- (b) ``public-https``: the seed's setup, ``ProtectedApp(public_auth_url=True)``: the check
  goes to ``https://<proxy host>/oauth2/auth``, i.e. through the controller again over TLS
  (a new TLS connection per check: nginx keeps no connection to a variable ``proxy_pass``
  target) and from there to the proxy;
- (c) ``cluster-http``: the package's default, the proxy's in-cluster ``http://`` Service URL;
- (d) ``cluster-http+cache``: (c) with ``auth_cache=True`` (``auth-cache-key``,
  ``auth-cache-duration``; the one session is a cache hit after its first check);
- (e) ``envoy-gateway``: ``controller=EnvoyGateway(...)``: Envoy with the SecurityPolicy's
  ext_authz to the proxy.

The ingress-nginx configurations are the test suite's model of what the controller renders
for the package's Ingress (``tests/nginx_model.py``: the auth location, ``auth_request``,
the cache lines and their Lua), with one worker; Envoy runs the suite's model of Envoy
Gateway's translation of the package's objects (``tests/envoy_model.py``) with
``--concurrency 1``. The backend and the oauth2-proxy stand-in are one more nginx with one
worker (``return 200``; ``/oauth2/auth`` answers 202 with a session cookie, 401 without;
every other path 200 / 401 for Envoy's check at the proxy's root). The load is ``wrk``
(Debian package ``wrk``) on the same machine: results are ratios within one run.

Run from the repository root with the development environment (``scripts/setup.sh --test``
for nginx, its Lua module and Envoy; ``apt-get install wrk``)::

    PYTHONPATH=$PWD .venv/bin/python benchmarks/auth_check.py            # 3 rounds of 5 s
    PYTHONPATH=$PWD .venv/bin/python benchmarks/auth_check.py --rounds 5 --seconds 10

It prints one table: requests/s, p50 and p99 latency per setup, median over rounds
(setups interleaved within each round), and each as a ratio to (a).
"""

# ruff: noqa: PLC0415, ANN401, S603, S108
# (imports of the package and the suite's models after sys.path is set; **props passed
# through to the constructs; subprocesses are nginx, Envoy, openssl and wrk found on this
# machine with fixed arguments; "/tmp/..." are nginx's temp paths inside a private prefix)

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HOST = "app.example.com"
PROXY_HOST = "access.example.com"
COOKIE = "_oauth2_proxy=opaque-session"
ENVOY_VERSION = "1.39.0"
TIMEOUT = 10.0


def _need(what: str, hint: str) -> None:
    sys.exit(f"auth_check: {what} is missing: {hint}")


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


def _wait_for(port: int, proc: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else ""
            sys.exit(f"auth_check: {what} exited at start:\n{err}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.02)
    sys.exit(f"auth_check: {what} did not listen on {port} within {TIMEOUT}s")


@contextlib.contextmanager
def process(cmd: list[str], port: int, what: str) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_for(port, proc, what)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=TIMEOUT)


# --------------------------------------------------------------------------- the setups


def _app_objects(**props: Any) -> list[dict[str, Any]]:
    """The package's objects for one app with a shared proxy on another host."""
    import cdk8s

    from oauth_ingress_construct import OAuth2Proxy, ProtectedApp, Provider, ServiceRef

    chart = cdk8s.Chart(cdk8s.App(), "bench", namespace="apps", disable_resource_name_hashes=True)
    controller = props.pop("controller", None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        proxy = OAuth2Proxy(
            chart,
            "Access",
            host=PROXY_HOST,
            provider=Provider.oidc(issuer_url="https://login.example.com"),
            controller=controller,
        )
        ProtectedApp(
            chart,
            "App",
            host=HOST,
            backend=ServiceRef("app", 8080),
            proxy=proxy,
            controller=controller,
            **props,
        )
    return list(cdk8s.Testing.synth(chart))


def _annotations(**props: Any) -> dict[str, str]:
    from oauth_ingress_construct import IngressNginx

    objects = _app_objects(controller=IngressNginx(), **props)
    ingress = next(o for o in objects if o["kind"] == "Ingress" and o["metadata"]["name"] == "app")
    prefix = "nginx.ingress.kubernetes.io/"
    return {k.removeprefix(prefix): v for k, v in ingress["metadata"]["annotations"].items()}


@dataclass
class Setup:
    key: str
    label: str
    port: int
    start: Callable[[], contextlib.AbstractContextManager[Any]]


def _stubs_conf(prefix: Path, backend: int, auth: int) -> str:
    return f"""daemon off;
worker_processes 1;
pid {prefix}/stubs.pid;
error_log {prefix}/stubs-error.log error;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    default_type text/plain;
    keepalive_requests 100000;
    # the app's Service
    server {{
        listen 127.0.0.1:{backend} backlog=4096;
        location / {{ return 200 "backend: hello\\n"; }}
    }}
    # oauth2-proxy: /oauth2/auth (ingress-nginx) is 202 with a session, 401 without; any
    # other path (Envoy Gateway's check at the proxy's root, --upstream=static://200) is
    # 200 with a session, 401 without
    server {{
        listen 127.0.0.1:{auth} backlog=4096;
        location = /oauth2/auth {{
            if ($cookie__oauth2_proxy = "") {{ return 401 "no session\\n"; }}
            add_header X-Auth-Request-User alice;
            add_header X-Auth-Request-Email alice@example.com;
            return 202;
        }}
        location / {{
            if ($cookie__oauth2_proxy = "") {{ return 401 "no session\\n"; }}
            add_header X-Auth-Request-User alice;
            add_header X-Auth-Request-Email alice@example.com;
            return 200;
        }}
    }}
}}
"""


def _certificate(prefix: Path) -> tuple[Path, Path]:
    cert, key = prefix / "tls.crt", prefix / "tls.key"
    subprocess.run(
        [
            shutil.which("openssl") or "/usr/bin/openssl", "req", "-x509",
            "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-nodes", "-days", "1", "-subj", f"/CN={PROXY_HOST}",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def build_setups(prefix: Path, nginx: str, modules: list[Path], envoy: Path) -> list[Setup]:
    sys.path.insert(0, str(ROOT))
    from oauth_ingress_construct import EnvoyGateway, GatewayRef, IngressNginx
    from tests.envoy_model import bootstrap, service_keys
    from tests.nginx_model import Ports, needs_lua, render

    backend, auth, errors, tls = _free_ports(4)
    lua = next(m for m in modules if m.name == "ngx_http_lua_module.so")
    base = [m for m in modules if m.name != "ngx_http_lua_module.so"]
    cert, key = _certificate(prefix)
    # the controller's own TLS server for the proxy host (its /oauth2 Ingress), which the
    # public auth-url reaches (ingress-nginx's http block: ssl_session_cache shared:SSL:10m,
    # ssl-session-tickets off by default)
    tls_server = f"""
    server {{
        listen 127.0.0.1:{tls} ssl backlog=4096;
        server_name {PROXY_HOST};
        ssl_certificate {cert};
        ssl_certificate_key {key};
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_cache shared:SSL:10m;
        ssl_session_tickets off;
        location /oauth2/ {{
            proxy_set_header Host $host;
            proxy_http_version 1.1;
            proxy_pass http://127.0.0.1:{auth};
        }}
    }}"""

    setups: list[Setup] = []

    def nginx_setup(key: str, label: str, annotations: dict[str, str], **extra: Any) -> None:
        (port,) = _free_ports(1)
        ports = Ports(ingress=port, backend=backend, auth=auth, errors=errors)
        work = prefix / key
        for sub in ("tmp/body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi"):
            (work / sub).mkdir(parents=True, exist_ok=True)
        text = render(
            annotations,
            IngressNginx(),
            host=HOST,
            ports=ports,
            prefix=work,
            modules=[*base, lua] if needs_lua(annotations) else base,
            stand_ins=False,
            **extra,
        )
        # more connections and no access log, as a controller under load (its template sets
        # worker_connections 16384 and logs asynchronously)
        text = text.replace("worker_connections 64;", "worker_connections 4096;")
        text = text.replace(f"access_log {work}/access.log;", "access_log off;")
        text = text.replace(
            f"error_log {work}/error.log info;", f"error_log {work}/error.log error;"
        )
        text = text.replace(f"listen 127.0.0.1:{port};", f"listen 127.0.0.1:{port} backlog=4096;")
        conf = work / "nginx.conf"
        conf.write_text(text)
        cmd = [nginx, "-p", str(work), "-c", str(conf), "-e", str(work / "error.log")]
        test = subprocess.run([*cmd, "-t"], capture_output=True, text=True, check=False)
        if test.returncode != 0:
            sys.exit(f"auth_check: nginx -t failed for {key}:\n{test.stderr}\n{text}")
        setups.append(Setup(key, label, port, lambda: process(cmd, port, f"nginx ({key})")))

    plain = _annotations()
    unprotected = {
        k: v for k, v in plain.items() if not k.startswith("auth-")
    }  # the same Ingress without the auth annotations
    nginx_setup("a", "(a) unprotected", unprotected)
    nginx_setup(
        "b",
        "(b) public https auth-url (seed)",
        _annotations(public_auth_url=True),
        auth_origins={PROXY_HOST: f"https://127.0.0.1:{tls}"},
        extra_servers=tls_server,
    )
    nginx_setup("c", "(c) in-cluster http auth-url (default)", plain)
    nginx_setup("d", "(d) (c) + auth_cache=True", _annotations(auth_cache=True))

    gateway = EnvoyGateway(gateway=GatewayRef("eg", "envoy-gateway-system", section_name="http"))
    objects = _app_objects(controller=gateway)
    auth_keys, backend_keys = service_keys(objects)
    services = dict.fromkeys(auth_keys, auth)
    services.update(dict.fromkeys(backend_keys, backend))
    (eport,) = _free_ports(1)
    config = bootstrap(objects, listener_port=eport, services=services)
    (prefix / "envoy.json").write_text(json.dumps(config))
    ecmd = [
        str(envoy), "-c", str(prefix / "envoy.json"), "--concurrency", "1",
        "--log-level", "error", "--use-dynamic-base-id",
    ]  # fmt: skip
    label = f"(e) Envoy Gateway (Envoy {ENVOY_VERSION})"
    setups.append(Setup("e", label, eport, lambda: process(ecmd, eport, "envoy")))
    stubs = prefix / "stubs.conf"
    for sub in ("tmp/body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    stubs.write_text(_stubs_conf(prefix, backend, auth))
    scmd = [nginx, "-p", str(prefix), "-c", str(stubs), "-e", str(prefix / "stubs-error.log")]
    setups.insert(0, Setup("stubs", "stubs", auth, lambda: process(scmd, auth, "stub nginx")))
    return setups


# --------------------------------------------------------------------------- measuring


def check(port: int, *, protected: bool) -> None:
    """A signed-in request reaches the backend; one without a session does not."""
    for cookie, want in ((COOKIE, 200), ("", None)) if protected else ((COOKIE, 200),):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        headers = {"Host": HOST, "Accept": "text/html"}
        if cookie:
            headers["Cookie"] = cookie
        conn.request("GET", "/", headers=headers)
        resp = conn.getresponse()
        body = resp.read().decode(errors="replace")
        conn.close()
        if want == 200 and (resp.status != 200 or body != "backend: hello\n"):
            sys.exit(f"auth_check: signed in on port {port}: {resp.status} {body!r}")
        if want is None and resp.status == 200:
            sys.exit(f"auth_check: port {port} let a request without a session through")


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([0-9.]+)(us|ms|s)", text)
    if match is None:
        raise ValueError(text)
    return float(match.group(1)) * _UNITS[match.group(2)]


@dataclass
class Sample:
    rps: float
    p50: float
    p99: float
    errors: int
    requests: int = 0
    #: on-CPU time during the run, ns: the controller (nginx or Envoy) and the stubs
    cpu_controller: int = 0
    cpu_stubs: int = 0

    @property
    def us_controller(self) -> float:
        return self.cpu_controller / 1000 / max(self.requests, 1)

    @property
    def us_total(self) -> float:
        return (self.cpu_controller + self.cpu_stubs) / 1000 / max(self.requests, 1)


def _family(pid: int) -> list[int]:
    """``pid`` and its children (nginx's workers)."""
    found = [pid]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def cpu_ns(pids: list[int]) -> int:
    """On-CPU nanoseconds of every thread of these processes (``schedstat``)."""
    total = 0
    for pid in pids:
        for task in Path(f"/proc/{pid}/task").glob("*/schedstat"):
            with contextlib.suppress(OSError, ValueError):
                total += int(task.read_text().split()[0])
    return total


def wrk(wrk_bin: str, port: int, seconds: int, connections: int, threads: int) -> Sample:
    out = subprocess.run(
        [
            wrk_bin, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
            "-H", f"Host: {HOST}", "-H", f"Cookie: {COOKIE}",
            f"http://127.0.0.1:{port}/",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 30,
    ).stdout  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    errors = 0
    if m := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out):
        errors += int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(g) for g in m.groups())
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    return Sample(rps, p50, p99, errors, requests)


def versions(nginx: str, envoy: Path, wrk_bin: str) -> str:
    """The software and machine measured on, in one line."""

    def first_line(cmd: list[str]) -> str:
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        return (done.stdout + done.stderr).strip().splitlines()[0]

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown CPU",
    )
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],  # noqa: S607 - git on PATH
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    envoy_version = first_line([str(envoy), "--version"]).split("version:")[-1].strip()
    return (
        f"{first_line([nginx, '-v'])}; Envoy {envoy_version.split('/')[1]}; "
        f"{first_line([wrk_bin, '-v']).split(' [')[0]}; {cpu}; package at {commit or '?'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds (default 3)")
    parser.add_argument("--seconds", type=int, default=5, help="seconds per measurement (5)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (16)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (1)")
    parser.add_argument("--only", default="abcde", help="setups to run, e.g. 'ace'")
    args = parser.parse_args()

    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.access(nginx, os.X_OK):
        _need("nginx", "apt-get install nginx libnginx-mod-http-set-misc libnginx-mod-http-lua")
    modules = [
        Path("/usr/lib/nginx/modules") / m
        for m in ("ndk_http_module.so", "ngx_http_set_misc_module.so", "ngx_http_lua_module.so")
    ]
    for m in modules:
        if not m.exists():
            _need(m.name, "apt-get install libnginx-mod-http-set-misc libnginx-mod-http-lua")
    wrk_bin = shutil.which("wrk")
    if wrk_bin is None:
        _need("wrk", "apt-get install wrk")
    if shutil.which("openssl") is None:
        _need("openssl", "apt-get install openssl")
    envoy = ROOT / ".envoy" / ENVOY_VERSION / "envoy"
    if not envoy.is_file():
        _need(f"Envoy {ENVOY_VERSION}", "scripts/setup.sh --test")

    with tempfile.TemporaryDirectory(prefix="auth-check-") as tmp:
        prefix = Path(tmp)
        prefix.chmod(0o755)
        setups = build_setups(prefix, nginx, modules, envoy)
        stubs, measured = setups[0], [s for s in setups[1:] if s.key in args.only]
        samples: dict[str, list[Sample]] = {s.key: [] for s in measured}
        load = os.getloadavg()
        started = time.monotonic()
        with contextlib.ExitStack() as stack:
            stub_pids = _family(stack.enter_context(stubs.start()).pid)
            pids = {}
            for s in measured:
                pids[s.key] = _family(stack.enter_context(s.start()).pid)
                check(s.port, protected=s.key != "a")
            for r in range(args.rounds):
                for s in measured:
                    wrk(wrk_bin, s.port, 1, args.connections, args.threads)  # warm up
                    before = cpu_ns(pids[s.key]), cpu_ns(stub_pids)
                    sample = wrk(wrk_bin, s.port, args.seconds, args.connections, args.threads)
                    sample.cpu_controller = cpu_ns(pids[s.key]) - before[0]
                    sample.cpu_stubs = cpu_ns(stub_pids) - before[1]
                    samples[s.key].append(sample)
                print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)
        load_after = os.getloadavg()

    def med(key: str, field: str) -> float:
        return statistics.median(getattr(x, field) for x in samples[key])

    ref = "a" if "a" in samples else measured[0].key
    print(versions(nginx, envoy, wrk_bin))
    print(
        f"wrk -t{args.threads} -c{args.connections} -d{args.seconds}s, {args.rounds} rounds "
        f"(median), one signed-in session; {os.cpu_count()} CPUs, load average "
        f"{load[0]:.2f} before, {load_after[0]:.2f} after; "
        f"{time.monotonic() - started:.0f} s"
    )
    print()
    print(
        f"| setup | req/s | p50 ms | p99 ms | req/s / ({ref}) | p50 / ({ref}) | p99 / ({ref}) "
        f"| req/s / ({ref}) per round, min-max | errors |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for s in measured:
        rps, p50, p99 = med(s.key, "rps"), med(s.key, "p50"), med(s.key, "p99")
        ratios = [x.rps / y.rps for x, y in zip(samples[s.key], samples[ref], strict=True)]
        errors = sum(x.errors for x in samples[s.key])
        print(
            f"| {s.label} | {rps:,.0f} | {p50:.2f} | {p99:.2f} | {rps / med(ref, 'rps'):.3f} "
            f"| {p50 / med(ref, 'p50'):.1f} | {p99 / med(ref, 'p99'):.1f} "
            f"| {min(ratios):.3f}-{max(ratios):.3f} | {errors} |"
        )
    print()
    print(
        "On-CPU time per request (every thread of the controller's processes, nginx workers "
        "or Envoy; and of the stub nginx: backend + oauth2-proxy stand-in), median of rounds:"
    )
    print()
    print(
        f"| setup | controller us/req | controller + stubs us/req | controller / ({ref}) "
        f"| total / ({ref}) |"
    )
    print("|---|---:|---:|---:|---:|")
    for s in measured:
        ctl, tot = med(s.key, "us_controller"), med(s.key, "us_total")
        print(
            f"| {s.label} | {ctl:.1f} | {tot:.1f} | {ctl / med(ref, 'us_controller'):.2f} "
            f"| {tot / med(ref, 'us_total'):.2f} |"
        )
    print()
    if "b" in samples and "c" in samples:
        print(
            f"(c) / (b): req/s {med('c', 'rps') / med('b', 'rps'):.1f}; "
            f"(b) / (c) CPU per request {med('b', 'us_total') / med('c', 'us_total'):.1f}"
        )
    if "d" in samples and "c" in samples:
        print(
            f"(d) / (c): req/s {med('d', 'rps') / med('c', 'rps'):.1f}; "
            f"(c) / (d) CPU per request {med('c', 'us_total') / med('d', 'us_total'):.1f}"
        )


if __name__ == "__main__":
    main()
