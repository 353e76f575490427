"""A model of the one nginx ``server`` ingress-nginx writes for a host served by several Ingresses.

``tests/nginx_model.py`` models the 401 handling of one protected Ingress; this module models
how the controller merges the paths of *every* Ingress of a host into locations, which decides
what a public path answers. It stands for ingress-nginx v1.15.1:

- ``internal/ingress/controller/store/store.go`` ``sortIngressSlice`` (lines 1102-1115): the
  Ingresses in ``creationTimestamp`` order; on equal timestamps (one ``kubectl apply`` of
  several objects usually gives them the same second) by ``namespace/name``, the one that
  sorts *last* first (``return in > jn``);
- ``internal/ingress/controller/controller.go`` ``createServers`` (lines 1374-1382): a new
  host starts with a root location (Prefix ``/``, the default backend) with the annotations
  of the first Ingress; ``getBackendServers`` (lines 811-852): a path equal to a location
  of the same pathType already there is dropped ("Location ... already configured"), except
  the default root location, which the path takes over; the same path with another type is
  added;
- ``internal/ingress/controller/location.go`` ``updateServerLocations`` (lines 34-88): a
  non-root Prefix path is normalised to end in ``/`` and gets an Exact copy as written,
  unless an Exact location of that path exists or its Ingress uses ``use-regex`` or
  ``rewrite-target``;
- ``controller.go`` lines 996-1003: the locations sorted by path, reversed, then (stable) by
  path length, longest first: nginx tries regex locations in that order;
- ``internal/ingress/controller/template/template.go`` ``enforceRegexModifier`` (lines
  506-519) and ``buildLocation`` (lines 523-539): when any location of the server has
  ``use-regex`` or ``rewrite-target``, *every* location is written ``~* "^<path>"``, Exact
  ones included; else ``= "<path>"`` for Exact and ``"<path>"`` for Prefix;
- auth as in ``tests/nginx_model.py``: ``auth-url`` -> ``auth_request`` to
  ``= /_external-auth-<path>-<type>``; ``auth-signin`` -> ``error_page 401`` to a named
  location redirecting to the sign-in URL. Without ``auth-signin`` the client gets the
  ``401`` of the check itself.

Stand-ins on loopback: the backend (``tests/envoy_stubs.py`` ``BackendStub``: echoes the
request line it receives as JSON, answers ``/private`` with its own 401), oauth2-proxy's
``/oauth2/auth`` (202 with the session cookie, 401 without) and the default backend (404).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tests.nginx_model import (
    DEFAULT_BACKEND_404_BODY,
    SESSION_COOKIE,
    build_auth_location,
    build_auth_signin_location,
    build_auth_signin_url,
)

PREFIX = "nginx.ingress.kubernetes.io/"


@dataclass(frozen=True)
class HostIngress:
    """One Ingress of the host: annotations without the prefix, ``(path, pathType)`` pairs."""

    namespace: str
    name: str
    paths: tuple[tuple[str, str], ...]
    annotations: Mapping[str, str] = field(default_factory=dict)
    #: ``metadata.creationTimestamp`` in seconds.
    created: int = 0
    #: The Service its paths go to.
    service: str = "app"

    @classmethod
    def of(cls, manifest: Mapping, created: int = 0) -> HostIngress:
        """From an emitted Ingress manifest."""
        meta = manifest["metadata"]
        anns = {
            k.removeprefix(PREFIX): v
            for k, v in meta.get("annotations", {}).items()
            if k.startswith(PREFIX)
        }
        rule = manifest["spec"]["rules"][0]
        paths = tuple((p["path"], p["pathType"]) for p in rule["http"]["paths"])
        service = rule["http"]["paths"][0]["backend"]["service"]["name"]
        return cls(meta["namespace"], meta["name"], paths, anns, created, service)

    @property
    def regex(self) -> bool:
        """``use-regex`` or ``rewrite-target`` (``needsRewrite``, ``Rewrite.UseRegex``)."""
        return self.annotations.get("use-regex") == "true" or "rewrite-target" in self.annotations


@dataclass
class HostLocation:
    path: str
    path_type: str
    ingress: HostIngress
    default_backend: bool = False


def ordered(ingresses: Sequence[HostIngress]) -> list[HostIngress]:
    """store.go sortIngressSlice: older first; equal timestamps by namespace/name, last first."""
    by_name = sorted(ingresses, key=lambda i: f"{i.namespace}/{i.name}", reverse=True)
    return sorted(by_name, key=lambda i: i.created)


def host_locations(ingresses: Sequence[HostIngress]) -> tuple[list[HostLocation], bool]:
    """The server's locations in the order nginx sees them, and whether all are regexes."""
    order = ordered(ingresses)
    locations = [HostLocation("/", "Prefix", order[0], default_backend=True)]
    for ing in order:
        for path, path_type in ing.paths:
            add = True
            for loc in locations:
                if loc.path != path:
                    continue
                if loc.path_type != path_type:
                    break  # "Same paths but different types are allowed"
                add = False
                if loc.default_backend:  # the path takes the root location over
                    loc.ingress, loc.default_backend = ing, False
                break  # else "Location ... already configured": this path is dropped
            if add:
                locations.append(HostLocation(path, path_type, ing))
    # location.go updateServerLocations
    exact = {loc.path for loc in locations if loc.path_type == "Exact"}
    updated: list[HostLocation] = []
    for loc in locations:
        if loc.path == "/" or loc.path_type != "Prefix" or loc.ingress.regex:
            updated.append(loc)
            continue
        normalised = loc.path if loc.path.endswith("/") else loc.path + "/"
        updated.append(HostLocation(normalised, "Prefix", loc.ingress, loc.default_backend))
        if loc.path not in exact:
            updated.append(HostLocation(loc.path, "Exact", loc.ingress, loc.default_backend))
    # controller.go l.996-1003
    updated.sort(key=lambda loc: loc.path, reverse=True)
    updated.sort(key=lambda loc: len(loc.path), reverse=True)
    return updated, any(loc.ingress.regex for loc in updated)


def build_location(loc: HostLocation, enforce_regex: bool) -> str:
    """template.go buildLocation."""
    if enforce_regex:
        return f'~* "^{loc.path}"'
    if loc.path_type == "Exact":
        return f'= "{loc.path}"'
    return f'"{loc.path}"'


def _server(ingresses: Sequence[HostIngress], host: str, ports: Mapping[str, int]) -> str:
    locations, enforce_regex = host_locations(ingresses)
    blocks: list[str] = []
    for loc in locations:
        ann = loc.ingress.annotations
        protect: list[str] = []
        if "auth-url" in ann:
            auth = build_auth_location(loc)  # type: ignore[arg-type]
            blocks.append(f"""
        location = {auth} {{
            internal;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_set_header X-Original-URL $scheme://$http_host$request_uri;
            proxy_pass http://127.0.0.1:{ports["auth"]}/oauth2/auth;
        }}""")
            protect += [f"auth_request {auth};"]
            if "auth-signin" in ann:
                named = build_auth_signin_location(loc, ann["auth-signin"])  # type: ignore[arg-type]
                blocks.append(f"""
        location {named} {{
            internal;
            return 302 {build_auth_signin_url(ann["auth-signin"])};
        }}""")
                protect += [
                    "set_escape_uri $escaped_request_uri $request_uri;",
                    f"error_page 401 = {named};",
                ]
        upstream = ports["errors"] if loc.default_backend else ports[loc.ingress.service]
        body = "\n            ".join([*protect, f"proxy_pass http://127.0.0.1:{upstream};"])
        blocks.append(f"""
        # Ingress {loc.ingress.namespace}/{loc.ingress.name}, {loc.path_type} {loc.path}
        location {build_location(loc, enforce_regex)} {{
            {body}
        }}""")
    inner = "\n".join(blocks)
    return f"""
    server {{
        listen 127.0.0.1:{ports["ingress"]};
        server_name {host};
{inner}
    }}"""


def render_host(
    ingresses: Sequence[HostIngress],
    *,
    host: str,
    ports: Mapping[str, int],
    prefix: Path,
    modules: Sequence[Path],
) -> str:
    """The nginx.conf: the host's server, the oauth2-proxy and default-backend stand-ins.

    ``ports``: ``ingress`` (the listener), ``auth`` and ``errors`` (served by this
    configuration), and one per Service the Ingresses name (the app's: a running
    ``BackendStub``; the proxy's: ``auth``).
    """
    loads = "\n".join(f"load_module {m};" for m in modules)
    return f"""{loads}
daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log info;
events {{ worker_connections 64; }}

http {{
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    default_type text/plain;
    # tmpl http block
    map '' $pass_access_scheme {{ default $scheme; }}
    server_name_in_redirect off;
    port_in_redirect off;
    absolute_redirect off;

    server {{
        listen 127.0.0.1:{ports["ingress"]} default_server;
        location / {{ return 404 "{DEFAULT_BACKEND_404_BODY.strip()}\\n"; }}
    }}
{_server(ingresses, host, ports)}

    # stand-in for oauth2-proxy: /oauth2/auth is 202 with a session, 401 without
    server {{
        listen 127.0.0.1:{ports["auth"]};
        location = /oauth2/auth {{
            if ($cookie_{SESSION_COOKIE} = "") {{ return 401 "no session\\n"; }}
            return 202;
        }}
        location / {{ return 404 "oauth2-proxy: no such endpoint\\n"; }}
    }}

    # stand-in for the controller's default backend
    server {{
        listen 127.0.0.1:{ports["errors"]};
        location / {{ return 404 "{DEFAULT_BACKEND_404_BODY.strip()}\\n"; }}
    }}
}}
"""
