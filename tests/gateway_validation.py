"""Schema checks for the Gateway API and Envoy Gateway objects of the Envoy Gateway target.

- Gateway API kinds (HTTPRoute, ReferenceGrant, Gateway; ``gateway.networking.k8s.io/v1`` and
  ``v1beta1``) are validated by the npm package ``@kubernetes-models/gateway-api`` (schemas
  generated from sigs.k8s.io/gateway-api), run through node by scripts/validate-gateway.mjs.
  Its schemas check types, enums, required fields and bounds; they do not reject unknown
  fields and do not evaluate the CRDs' CEL rules (e.g. a path value must start with ``/``).
- Envoy Gateway kinds (SecurityPolicy, ClientTrafficPolicy, BackendTrafficPolicy of
  ``gateway.envoyproxy.io/v1alpha1``): no npm or PyPI package ships their CRD schemas, so they
  are checked against the hand-written schemas below, strict (no unknown field) and limited to
  the fields the target emits, each taken from envoyproxy/gateway ``api/v1alpha1`` at v1.9.0
  (file named per field). Anything else the target would emit must be added here first.

``validate_gateway_objects(objs)`` raises ``GatewaySchemaError`` listing every problem.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jsonschema

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "validate-gateway.mjs"
SETUP_HINT = "run `scripts/setup.sh` (npm ci installs @kubernetes-models/gateway-api)"
GATEWAY_API = "gateway.networking.k8s.io"
ENVOY_GATEWAY = "gateway.envoyproxy.io/v1alpha1"


class GatewaySchemaError(ValueError):
    """One or more objects do not match their schema."""


def _obj(properties: dict[str, Any], required: Iterable[str] = ()) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
    }


_STR = {"type": "string", "minLength": 1}
_NAME = {"type": "string", "minLength": 1, "maxLength": 253}
_NAMES = {"type": "array", "items": _STR}
_METADATA = {
    "type": "object",
    "properties": {
        "name": _NAME,
        "namespace": _NAME,
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
    },
    "required": ["name", "namespace"],
    "additionalProperties": False,
}


def _target_refs(kinds: list[str]) -> dict[str, Any]:
    # policy_helpers.go PolicyTargetReferences: targetRefs of
    # gwapiv1.LocalPolicyTargetReferenceWithSectionName (group, kind, name, sectionName).
    return {
        "type": "array",
        "minItems": 1,
        "items": _obj(
            {
                "group": {"const": GATEWAY_API},
                "kind": {"enum": kinds},
                "name": _NAME,
                "sectionName": _NAME,
            },
            required=["group", "kind", "name"],
        ),
    }


def _kind_schema(kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    return _obj(
        {
            "apiVersion": {"const": ENVOY_GATEWAY},
            "kind": {"const": kind},
            "metadata": _METADATA,
            "spec": spec,
        },
        required=["apiVersion", "kind", "metadata", "spec"],
    )


# shared_types.go BackendRef / BackendCluster.backendRefs (gwapiv1.BackendObjectReference):
# group "" (core) or gateway.envoyproxy.io, kind Service or Backend, port 1..65535.
_BACKEND_REF = _obj(
    {
        "group": {"enum": ["", "gateway.envoyproxy.io"]},
        "kind": {"enum": ["Service", "Backend"]},
        "name": _NAME,
        "namespace": _NAME,
        "port": {"type": "integer", "minimum": 1, "maximum": 65535},
    },
    required=["name", "port"],
)

SECURITY_POLICY = _kind_schema(
    "SecurityPolicy",
    _obj(
        {
            # securitypolicy_types.go: targetRefs to Gateway, HTTPRoute or GRPCRoute.
            "targetRefs": _target_refs(["Gateway", "HTTPRoute", "GRPCRoute"]),
            # ext_auth_types.go ExtAuth: exactly one of grpc/http (here: http only).
            "extAuth": _obj(
                {
                    "http": {
                        **_obj(
                            {
                                "backendRefs": {
                                    "type": "array",
                                    "minItems": 1,
                                    "maxItems": 16,
                                    "items": _BACKEND_REF,
                                },
                                "path": {"type": "string"},
                                "pathOverride": {"type": "string"},  # v1.8+
                                "headersToBackend": _NAMES,
                            },
                            required=["backendRefs"],
                        ),
                        # "only one of path or pathOverride can be specified"
                        "not": {"required": ["path", "pathOverride"]},
                    },
                    "headersToExtAuth": _NAMES,
                    "failOpen": {"type": "boolean"},
                    "timeout": {"type": "string", "pattern": r"^([0-9]{1,5}(h|m|s|ms)){1,4}$"},
                },
                required=["http"],
            ),
        },
        required=["targetRefs", "extAuth"],
    ),
)

CLIENT_TRAFFIC_POLICY = _kind_schema(
    "ClientTrafficPolicy",
    _obj(
        {
            # clienttrafficpolicy_types.go: this policy targets Gateways (or ListenerSets).
            "targetRefs": _target_refs(["Gateway", "ListenerSet"]),
            # clienttrafficpolicy_types.go HeaderSettings.earlyRequestHeaders, of
            # shared_types.go HTTPHeaderFilter (set, remove; removeOnMatch v1.7+); the limit
            # of 64 items since v1.5 (release-notes/v1.5.0.yaml). A set item is Gateway API's
            # HTTPHeader (name: HTTPHeaderName, 1-256 token characters; value 1-4096 bytes),
            # and Envoy Gateway accepts values of printable ASCII (internal/gatewayapi/
            # filters.go HeaderValueRegexp, line 74 at v1.9.0).
            "headers": _obj(
                {
                    "earlyRequestHeaders": _obj(
                        {
                            "set": {
                                "type": "array",
                                "minItems": 1,
                                "maxItems": 64,
                                "items": _obj(
                                    {
                                        "name": {
                                            "type": "string",
                                            "pattern": r"^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$",
                                            "minLength": 1,
                                            "maxLength": 256,
                                        },
                                        "value": {
                                            "type": "string",
                                            "pattern": r"^[!-~]+([\t ]?[!-~]+)*$",
                                            "minLength": 1,
                                            "maxLength": 4096,
                                        },
                                    },
                                    required=["name", "value"],
                                ),
                            },
                            "remove": {"type": "array", "items": _STR, "maxItems": 64},
                            "removeOnMatch": {
                                "type": "array",
                                "maxItems": 64,
                                "items": _obj(
                                    {
                                        "type": {"enum": ["Exact", "Prefix", "Suffix"]},
                                        "value": _STR,
                                    },
                                    required=["value"],
                                ),
                            },
                        }
                    )
                },
                required=["earlyRequestHeaders"],
            ),
        },
        required=["targetRefs", "headers"],
    ),
)

BACKEND_TRAFFIC_POLICY = _kind_schema(
    "BackendTrafficPolicy",
    _obj(
        {
            "targetRefs": _target_refs(["Gateway", "HTTPRoute", "GRPCRoute"]),
            # shared_types.go ResponseOverride / CustomResponseMatch / StatusCodeMatch /
            # CustomResponse / CustomResponseBody.
            "responseOverride": {
                "type": "array",
                "items": _obj(
                    {
                        "match": _obj(
                            {
                                "statusCodes": {
                                    "type": "array",
                                    "minItems": 1,
                                    "items": _obj(
                                        {
                                            "type": {"enum": ["Value", "Range"]},
                                            "value": {"type": "integer"},
                                        },
                                        required=["type"],
                                    ),
                                }
                            },
                            required=["statusCodes"],
                        ),
                        "response": _obj(
                            {
                                "contentType": _STR,
                                "statusCode": {"type": "integer"},
                                "body": _obj(
                                    {"type": {"enum": ["Inline", "ValueRef"]}, "inline": _STR},
                                    required=["type"],
                                ),
                            }
                        ),
                    },
                    required=["match"],
                ),
            },
        },
        required=["targetRefs"],
    ),
)

ENVOY_GATEWAY_SCHEMAS = {
    "SecurityPolicy": SECURITY_POLICY,
    "ClientTrafficPolicy": CLIENT_TRAFFIC_POLICY,
    "BackendTrafficPolicy": BACKEND_TRAFFIC_POLICY,
}


def _label(obj: dict[str, Any]) -> str:
    name = obj.get("metadata", {}).get("name") if isinstance(obj.get("metadata"), dict) else None
    return f"{obj.get('apiVersion')}/{obj.get('kind')} {name!r}"


def _node_check(objs: list[dict[str, Any]]) -> list[str]:
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "@kubernetes-models" / "gateway-api").is_dir():
        raise GatewaySchemaError(f"the Gateway API validator is not installed: {SETUP_HINT}")
    result = subprocess.run(
        [node, str(SCRIPT)],
        input=json.dumps(objs),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        raise GatewaySchemaError(f"validate-gateway.mjs failed: {result.stderr.strip()}")
    return [
        f"{_label(objs[r['index']])}: {err}"
        for r in json.loads(result.stdout)
        for err in r["errors"]
    ]


def validate_gateway_objects(objs: Iterable[dict[str, Any]]) -> None:
    """Check every object against its schema; raise ``GatewaySchemaError`` naming each fault."""
    objs = list(objs)
    errors: list[str] = []
    gateway_api = []
    for obj in objs:
        api = str(obj.get("apiVersion", ""))
        if api.startswith(GATEWAY_API + "/"):
            gateway_api.append(obj)
        elif api == ENVOY_GATEWAY and obj.get("kind") in ENVOY_GATEWAY_SCHEMAS:
            validator = jsonschema.Draft202012Validator(ENVOY_GATEWAY_SCHEMAS[str(obj["kind"])])
            errors += [
                f"{_label(obj)}: /{'/'.join(map(str, e.absolute_path))}: {e.message}"
                for e in sorted(validator.iter_errors(obj), key=lambda e: list(e.absolute_path))
            ]
        else:
            errors.append(f"{_label(obj)}: no schema for this kind")
    if gateway_api:
        errors += _node_check(gateway_api)
    if errors:
        raise GatewaySchemaError("\n".join(errors))
