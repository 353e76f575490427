"""The seed write-up's protected app as a Pulumi program, and a second app sharing its proxy.

``pulumi up`` creates, in namespace ``seed-example``: the oauth2-proxy on
``access.example.com`` (Deployment, Service, Ingress for ``/oauth2``, NetworkPolicy,
PodDisruptionBudget), the Ingress ``example-protected-app`` for ``app.example.com`` ->
``my-service:80`` with the backend's own 401s passed through (the seed's
``server-snippet``), and the Ingress ``whoami`` for ``whoami.example.com`` -> the Service
``whoami`` made by this program. The proxy reads its client secret and cookie secret from
the existing Secret ``oauth2-proxy`` (keys ``client-secret``, ``cookie-secret``): see the
README, "With Pulumi", for how to create it.
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from oauth_ingress_construct import Provider, ServiceRef
from oauth_ingress_construct.pulumi import OAuth2Proxy, ProtectedApp

NAMESPACE = "seed-example"

access = OAuth2Proxy(
    "oauth2-proxy",
    namespace=NAMESPACE,
    host="access.example.com",
    provider=Provider.oidc(
        issuer_url="https://login.example.com/realms/example", client_id="example-app"
    ),
)
seed_app = ProtectedApp(
    "example-protected-app",
    namespace=NAMESPACE,
    host="app.example.com",
    backend=ServiceRef("my-service", 80),
    proxy=access,
    pass_through_401=True,
)

# A backend Service of this program (its Deployment is left out here): the Ingress routes
# to its name and port once they are known, and is created after it.
whoami = k8s.core.v1.Service(
    "whoami-service",
    metadata=k8s.meta.v1.ObjectMetaArgs(name="whoami", namespace=NAMESPACE),
    spec=k8s.core.v1.ServiceSpecArgs(
        selector={"app.kubernetes.io/name": "whoami"},
        ports=[k8s.core.v1.ServicePortArgs(name="http", port=80, target_port=8080)],
    ),
)
whoami_app = ProtectedApp(
    "whoami",
    namespace=NAMESPACE,
    host="whoami.example.com",
    backend=whoami,
    proxy=access,
)

pulumi.export("signin_url", access.signin_url)
pulumi.export("auth_url", access.auth_url)
pulumi.export("hosts", [seed_app.host, whoami_app.host])
