"""Example charts; ``python -m examples`` (what ``cdk8s synth`` runs) writes them to dist/."""

from __future__ import annotations

import cdk8s

from .entra_id import EntraId
from .envoy_gateway import EnvoyGatewayApp
from .envoy_gateway_migration import EnvoyGatewayMigration
from .envoy_gateway_path_kinds import EnvoyGatewayPathKinds
from .envoy_gateway_shared import EnvoyGatewayShared
from .gitlab import GitLab
from .google import Google
from .path_kinds import PathKinds
from .redis_sessions import RedisSessions
from .seed_example import SeedExample
from .self_contained import SelfContained
from .shared_proxy import SharedProxy

__all__ = [
    "EXAMPLES",
    "EntraId",
    "EnvoyGatewayApp",
    "EnvoyGatewayMigration",
    "EnvoyGatewayPathKinds",
    "EnvoyGatewayShared",
    "GitLab",
    "Google",
    "PathKinds",
    "RedisSessions",
    "SeedExample",
    "SelfContained",
    "SharedProxy",
    "build_apps",
]

#: Every example chart by its id; ``<id>.k8s.yaml`` in dist/ is its output.
EXAMPLES: dict[str, type[cdk8s.Chart]] = {
    "seed-example": SeedExample,
    "shared-proxy": SharedProxy,
    "self-contained": SelfContained,
    "gitlab": GitLab,
    "google": Google,
    "entra-id": EntraId,
    "redis-sessions": RedisSessions,
    "envoy-gateway": EnvoyGatewayApp,
    "envoy-gateway-shared": EnvoyGatewayShared,
    "envoy-gateway-migration": EnvoyGatewayMigration,
    "path-kinds": PathKinds,
    "envoy-gateway-path-kinds": EnvoyGatewayPathKinds,
}


def build_apps(outdir: str | None = None) -> list[cdk8s.App]:
    """Each example chart in an app of its own, as ``<outdir>/<chart-id>.k8s.yaml``.

    The examples are independent scenarios, each for a cluster of its own: several of them
    serve ``access.example.com/oauth2``, which one app refuses (one cluster's ingress-nginx
    would keep only one of those routes).
    """
    apps = []
    for chart_id, chart in EXAMPLES.items():
        app = cdk8s.App(outdir=outdir) if outdir is not None else cdk8s.App()
        chart(app, chart_id)
        apps.append(app)
    return apps
