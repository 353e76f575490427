"""Sessions in Redis: small cookies whatever the tokens' size, one session store for all.

The cookie holds only a ticket; the session (tokens included) lives in Redis over TLS.
The Redis password is read from the Secret ``sessions-redis`` (key ``redis-password``,
as the Helm chart names it) through ``secretKeyRef``; no value is in the manifests.
"""

from __future__ import annotations

import cdk8s
import constructs

from oauth_ingress_construct import OAuth2Proxy, ProtectedApp, Provider, ServiceRef, Sessions


class RedisSessions(cdk8s.Chart):
    def __init__(self, scope: constructs.Construct, id: str) -> None:
        super().__init__(scope, id, namespace="analytics", disable_resource_name_hashes=True)
        access = OAuth2Proxy(
            self,
            "Access",
            host="sso.example.com",
            provider=Provider.oidc(
                issuer_url="https://idp.example.com", groups_claim="roles", client_id="wiki"
            ),
            sessions=Sessions.redis(
                url="rediss://redis.sessions.svc.cluster.local:6380/0",
                password_secret="sessions-redis",
            ),
            tls_secret_name="example-com-tls",
        )
        ProtectedApp(
            self,
            "Superset",
            host="superset.example.com",
            backend=ServiceRef("superset", 8088),
            proxy=access,
            allowed_groups=["analysts"],
            tls_secret_name="example-com-tls",
        )
