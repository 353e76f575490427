"""Example charts; ``python -m examples`` (what ``cdk8s synth`` runs) writes them to dist/."""

from __future__ import annotations

import cdk8s

from .entra_id import EntraId
from .gitlab import GitLab
from .google import Google
from .redis_sessions import RedisSessions
from .seed_example import SeedExample
from .self_contained import SelfContained
from .shared_proxy import SharedProxy

__all__ = [
    "EntraId",
    "GitLab",
    "Google",
    "RedisSessions",
    "SeedExample",
    "SelfContained",
    "SharedProxy",
    "build_app",
]


def build_app(outdir: str | None = None) -> cdk8s.App:
    """All example charts in one app; each chart becomes ``<outdir>/<chart-id>.k8s.yaml``."""
    app = cdk8s.App(outdir=outdir) if outdir is not None else cdk8s.App()
    SeedExample(app, "seed-example")
    SharedProxy(app, "shared-proxy")
    SelfContained(app, "self-contained")
    GitLab(app, "gitlab")
    Google(app, "google")
    EntraId(app, "entra-id")
    RedisSessions(app, "redis-sessions")
    return app
