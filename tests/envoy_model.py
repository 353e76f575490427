"""A model of the Envoy configuration Envoy Gateway generates, for the parts that matter here.

``bootstrap(objects, ...)`` takes the Gateway API / Envoy Gateway objects as plain dicts
(HTTPRoute, SecurityPolicy, ClientTrafficPolicy, BackendTrafficPolicy; others are ignored) and
returns a static Envoy bootstrap (a dict, written as JSON) with one HTTP listener on loopback.

What it stands for, in envoyproxy/gateway (mirror at d32f282942, the v1.9 line):

- the listener's HttpConnectionManager: ``internal/xds/translator/listener.go``; the settings
  kept here (use_remote_address, normalize_path, merge_slashes, headers with underscores
  rejected, router with suppress_envoy_headers) are the ones every golden listener under
  ``internal/xds/translator/testdata/out/xds-ir/*.listeners.yaml`` shows;
- ClientTrafficPolicy ``headers.earlyRequestHeaders`` (set, remove, removeOnMatch) ->
  ``early_header_mutation_extensions`` (``buildEarlyHeaderMutation`` in listener.go,
  ``buildHeaderMutationRules`` in header_mutation.go; golden:
  http-early-header-mutation.listeners.yaml);
- SecurityPolicy ``extAuth`` -> one ext_authz HTTP filter per policy, named
  ``envoy.filters.http.ext_authz/securitypolicy/<ns>/<name>``, **disabled** on the listener
  and enabled on each route of the targeted HTTPRoute through ``typed_per_filter_config``
  (``internal/xds/translator/extauth.go``: buildHCMExtAuthFilter, extAuthConfig, httpService,
  patchRoute; golden: ext-auth.listeners.yaml / ext-auth.routes.yaml). ``headersToExtAuth`` ->
  the filter's top-level ``allowed_headers`` (exact, ignore case); ``http.path`` ->
  ``http_service.path_prefix``; ``http.pathOverride`` -> ``path_override``;
  ``headersToBackend`` -> ``authorization_response.allowed_upstream_headers``; timeout 10 s.
  No ``allowed_client_headers`` nor ``allowed_client_headers_on_success`` is ever set;
- BackendTrafficPolicy ``responseOverride`` -> a custom_response filter, disabled on the
  listener, enabled per route by an empty ``FilterConfig`` (custom-response.listeners.yaml,
  custom-response.routes.yaml); it is ordered first (``internal/xds/translator/httpfilters.go``,
  newOrderedHTTPFilter: custom_response 0, ext_authz 6);
- HTTPRoute rules -> routes of one virtual host per hostname; ``PathPrefix /`` -> ``prefix``,
  other prefixes -> ``path_separated_prefix``, ``Exact`` -> ``path``
  (``internal/xds/translator/route.go``, buildXdsRouteMatch); routes ordered Exact first, then
  longer prefixes first (``internal/gatewayapi/sort.go``); a RequestHeaderModifier ``remove`` ->
  the route's ``request_headers_to_remove``, which the router applies, i.e. after ext_authz.

Every backendRef (Service name, namespace, port) must be given a loopback port in ``services``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

Obj = dict[str, Any]
ServiceKey = tuple[str, str, int]  # namespace, name, port

EXT_AUTHZ = "envoy.filters.http.ext_authz"
CUSTOM_RESPONSE = "envoy.filters.http.custom_response"
HCM = (
    "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3."
    "HttpConnectionManager"
)


def _kind(objects: Iterable[Obj], kind: str) -> list[Obj]:
    return [o for o in objects if o.get("kind") == kind]


def _targets(policy: Obj, kind: str) -> list[str]:
    return [t["name"] for t in policy["spec"].get("targetRefs", []) if t["kind"] == kind]


def _cluster_name(key: ServiceKey) -> str:
    return f"{key[0]}/{key[1]}/{key[2]}"


def _cluster(key: ServiceKey, port: int) -> Obj:
    return {
        "name": _cluster_name(key),
        "type": "STATIC",
        "connect_timeout": "2s",
        "load_assignment": {
            "cluster_name": _cluster_name(key),
            "endpoints": [
                {
                    "lb_endpoints": [
                        {
                            "endpoint": {
                                "address": {
                                    "socket_address": {"address": "127.0.0.1", "port_value": port}
                                }
                            }
                        }
                    ]
                }
            ],
        },
    }


def _exact_ignore_case(names: Iterable[str]) -> Obj:
    return {"patterns": [{"exact": n, "ignore_case": True} for n in names]}


def _ext_authz_filter(policy: Obj, clusters: Mapping[ServiceKey, int]) -> tuple[str, Obj]:
    """extauth.go extAuthConfig + httpService for one SecurityPolicy with extAuth.http."""
    meta = policy["metadata"]
    ext = policy["spec"]["extAuth"]
    http = ext["http"]
    ref = http["backendRefs"][0]
    key = (ref.get("namespace", meta["namespace"]), ref["name"], ref["port"])
    if key not in clusters:
        raise KeyError(f"no loopback port for the ext auth service {key}")
    name = f"{EXT_AUTHZ}/securitypolicy/{meta['namespace']}/{meta['name']}"
    path = http.get("pathOverride") or http.get("path", "")
    service: Obj = {
        "server_uri": {
            "uri": f"http://{ref['name']}.{key[0]}:{key[2]}{path}",
            "cluster": _cluster_name(key),
            "timeout": "10s",
        },
        "path_prefix": http.get("path", ""),
    }
    if "pathOverride" in http:
        service["path_override"] = http["pathOverride"]
    if http.get("headersToBackend"):
        service["authorization_response"] = {
            "allowed_upstream_headers": _exact_ignore_case(http["headersToBackend"])
        }
    config: Obj = {
        "@type": "type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz",
        "transport_api_version": "V3",
        "http_service": service,
    }
    if ext.get("failOpen"):
        config["failure_mode_allow"] = True
    if ext.get("headersToExtAuth"):
        config["allowed_headers"] = _exact_ignore_case(ext["headersToExtAuth"])
    return name, {"name": name, "disabled": True, "typed_config": config}


def _custom_response_filter(policy: Obj) -> tuple[str, Obj]:
    """The responseOverride rules with a status-code Value match and an inline body."""
    meta = policy["metadata"]
    name = f"{CUSTOM_RESPONSE}/backendtrafficpolicy/{meta['namespace']}/{meta['name']}"
    matchers = []
    for i, rule in enumerate(policy["spec"]["responseOverride"]):
        codes = [c["value"] for c in rule["match"]["statusCodes"] if c["type"] == "Value"]
        response = rule["response"]
        action = {
            "name": f"backendtrafficpolicy/{meta['namespace']}/{meta['name']}"
            f"/responseoverride/rule/{i}",
            "typed_config": {
                "@type": "type.googleapis.com/envoy.extensions.http.custom_response."
                "local_response_policy.v3.LocalResponsePolicy",
                "body_format": {"text_format": response["body"]["inline"]},
                "response_headers_to_add": [
                    {
                        "append_action": "OVERWRITE_IF_EXISTS_OR_ADD",
                        "header": {"key": "Content-Type", "value": response["contentType"]},
                    }
                ],
            },
        }
        predicates = [
            {
                "single_predicate": {
                    "input": {
                        "name": "http-response-status-code-match-input",
                        "typed_config": {
                            "@type": "type.googleapis.com/envoy.type.matcher.v3."
                            "HttpResponseStatusCodeMatchInput"
                        },
                    },
                    "value_match": {"exact": str(code)},
                }
            }
            for code in codes
        ]
        predicate = (
            predicates[0] if len(predicates) == 1 else {"or_matcher": {"predicate": predicates}}
        )
        matchers.append({"predicate": predicate, "on_match": {"action": action}})
    config = {
        "@type": "type.googleapis.com/envoy.extensions.filters.http.custom_response.v3."
        "CustomResponse",
        "custom_response_matcher": {"matcher_list": {"matchers": matchers}},
    }
    return name, {"name": name, "disabled": True, "typed_config": config}


def _early_header_mutation(policy: Obj) -> list[Obj]:
    """listener.go buildEarlyHeaderMutation -> header_mutation.go buildHeaderMutationRules:
    set (an append that overwrites, values passed as written: the early header mutation
    extension evaluates Envoy's substitution formatter in them), then remove (exact names)
    and removeOnMatch."""
    early = policy["spec"].get("headers", {}).get("earlyRequestHeaders", {})
    mutations: list[Obj] = [
        {
            "append": {
                "header": {"key": header["name"], "value": header["value"]},
                "append_action": "OVERWRITE_IF_EXISTS_OR_ADD",
            }
        }
        for header in early.get("set", [])
    ]
    mutations += [{"remove": name} for name in early.get("remove", [])]
    for match in early.get("removeOnMatch", []):
        kind = {"Exact": "exact", "Prefix": "prefix", "Suffix": "suffix"}[
            match.get("type", "Exact")
        ]
        mutations.append(
            {"remove_on_match": {"key_matcher": {kind: match["value"], "ignore_case": True}}}
        )
    if not mutations:
        return []
    return [
        {
            "name": "envoy.http.early_header_mutation.header_mutation",
            "typed_config": {
                "@type": "type.googleapis.com/envoy.extensions.http.early_header_mutation."
                "header_mutation.v3.HeaderMutation",
                "mutations": mutations,
            },
        }
    ]


def _match(path: Obj) -> Obj:
    kind, value = path.get("type", "PathPrefix"), path.get("value", "/")
    if kind == "Exact":
        return {"path": value}
    if value == "/":
        return {"prefix": "/"}
    return {"path_separated_prefix": value.rstrip("/")}


def _sort_key(route: Obj) -> tuple[int, int]:
    match = route["match"]
    if "path" in match:
        return (0, -len(match["path"]))
    prefix = match.get("path_separated_prefix", match.get("prefix", ""))
    return (1, -len(prefix))


def bootstrap(
    objects: Iterable[Obj], *, listener_port: int, services: Mapping[ServiceKey, int]
) -> Obj:
    """The Envoy bootstrap for ``objects`` on 127.0.0.1:``listener_port``."""
    objects = list(objects)
    routes = _kind(objects, "HTTPRoute")
    filters: list[Obj] = []
    ext_authz_of_route: dict[tuple[str, str], str] = {}
    custom_response_of_route: dict[tuple[str, str], str] = {}
    for policy in _kind(objects, "BackendTrafficPolicy"):
        if "responseOverride" not in policy["spec"]:
            continue
        name, flt = _custom_response_filter(policy)
        filters.append(flt)
        for target in _targets(policy, "HTTPRoute"):
            custom_response_of_route[(policy["metadata"]["namespace"], target)] = name
    for policy in _kind(objects, "SecurityPolicy"):
        name, flt = _ext_authz_filter(policy, services)
        filters.append(flt)
        for target in _targets(policy, "HTTPRoute"):
            ext_authz_of_route[(policy["metadata"]["namespace"], target)] = name
    early: list[Obj] = []
    for policy in _kind(objects, "ClientTrafficPolicy"):
        early += _early_header_mutation(policy)

    hosts: dict[str, list[Obj]] = {}
    used: set[ServiceKey] = {key for key in services if _is_auth_service(key, objects)}
    for route in routes:
        meta = route["metadata"]
        rkey = (meta["namespace"], meta["name"])
        for i, rule in enumerate(route["spec"]["rules"]):
            ref = rule["backendRefs"][0]
            key = (ref.get("namespace", meta["namespace"]), ref["name"], ref["port"])
            if key not in services:
                raise KeyError(f"no loopback port for the backend {key}")
            used.add(key)
            removes = [
                name
                for f in rule.get("filters", [])
                if f["type"] == "RequestHeaderModifier"
                for name in f["requestHeaderModifier"].get("remove", [])
            ]
            per_filter: Obj = {}
            if rkey in ext_authz_of_route:
                per_filter[ext_authz_of_route[rkey]] = {
                    "@type": "type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3."
                    "ExtAuthzPerRoute",
                    "check_settings": {},
                }
            if rkey in custom_response_of_route:
                per_filter[custom_response_of_route[rkey]] = {
                    "@type": "type.googleapis.com/envoy.config.route.v3.FilterConfig",
                    "config": {},
                }
            for j, match in enumerate(rule.get("matches", [{}])):
                xds: Obj = {
                    "name": f"httproute/{meta['namespace']}/{meta['name']}/rule/{i}/match/{j}",
                    "match": _match(match.get("path", {})),
                    "route": {"cluster": _cluster_name(key)},
                }
                if removes:
                    xds["request_headers_to_remove"] = removes
                if per_filter:
                    xds["typed_per_filter_config"] = per_filter
                for host in route["spec"].get("hostnames", ["*"]):
                    hosts.setdefault(host, []).append(xds)

    hcm: Obj = {
        "@type": HCM,
        "stat_prefix": "http",
        "use_remote_address": True,
        "normalize_path": True,
        "merge_slashes": True,
        "common_http_protocol_options": {"headers_with_underscores_action": "REJECT_REQUEST"},
        "route_config": {
            "name": "gateway",
            "virtual_hosts": [
                {"name": host, "domains": [host], "routes": sorted(rs, key=_sort_key)}
                for host, rs in hosts.items()
            ],
        },
        "http_filters": [
            *filters,
            {
                "name": "envoy.filters.http.router",
                "typed_config": {
                    "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router",
                    "suppress_envoy_headers": True,
                },
            },
        ],
    }
    if early:
        hcm["early_header_mutation_extensions"] = early
    return {
        "static_resources": {
            "listeners": [
                {
                    "name": "gateway",
                    "address": {
                        "socket_address": {"address": "127.0.0.1", "port_value": listener_port}
                    },
                    "filter_chains": [
                        {
                            "filters": [
                                {
                                    "name": "envoy.filters.network.http_connection_manager",
                                    "typed_config": hcm,
                                }
                            ]
                        }
                    ],
                }
            ],
            "clusters": [_cluster(key, services[key]) for key in sorted(used)],
        }
    }


def service_keys(objects: Iterable[Obj]) -> tuple[set[ServiceKey], set[ServiceKey]]:
    """The (auth services, other backends) the objects reference, as (namespace, name, port)."""
    objects = list(objects)
    auth = {
        (ref.get("namespace", p["metadata"]["namespace"]), ref["name"], ref["port"])
        for p in _kind(objects, "SecurityPolicy")
        for ref in p["spec"]["extAuth"]["http"]["backendRefs"]
    }
    backends = {
        (ref.get("namespace", r["metadata"]["namespace"]), ref["name"], ref["port"])
        for r in _kind(objects, "HTTPRoute")
        for rule in r["spec"]["rules"]
        for ref in rule["backendRefs"]
    }
    return auth, backends - auth


def _is_auth_service(key: ServiceKey, objects: list[Obj]) -> bool:
    for policy in _kind(objects, "SecurityPolicy"):
        meta = policy["metadata"]
        for ref in policy["spec"]["extAuth"]["http"]["backendRefs"]:
            if (ref.get("namespace", meta["namespace"]), ref["name"], ref["port"]) == key:
                return True
    return False
