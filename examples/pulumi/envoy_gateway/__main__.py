"""The Pulumi example program on Envoy Gateway: ``../__main__.py`` with ``controller=`` added.

The same scenario as ``examples/envoy_gateway_migration.py`` (the seed's app moved from
ingress-nginx to Envoy Gateway), plus the second app ``whoami`` whose backend is a Service
of this program. ``pulumi up`` creates, in namespace ``seed-example``: the oauth2-proxy
(Deployment, Service, HTTPRoute for ``/oauth2`` on ``access.example.com``, NetworkPolicy
admitting the Envoy proxies' namespace, PodDisruptionBudget); per app an HTTPRoute on the
Gateway ``infra/eg`` listener ``https``, a SecurityPolicy asking the proxy about every
request and a ``/oauth2`` HTTPRoute on the app's host; and, once for the listener, the
ClientTrafficPolicy ``eg-https-identity-headers`` in ``infra`` that removes client-sent
identity headers. The Gateway itself is not this program's: its listener must admit routes
from ``seed-example``. The proxy's Secret is as in ``../__main__.py`` (README, "With Pulumi").
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from oauth_ingress_construct import EnvoyGateway, GatewayRef, Provider, ServiceRef
from oauth_ingress_construct.pulumi import OAuth2Proxy, ProtectedApp

NAMESPACE = "seed-example"
CONTROLLER = EnvoyGateway(gateway=GatewayRef("eg", "infra", section_name="https"))

access = OAuth2Proxy(
    "oauth2-proxy",
    namespace=NAMESPACE,
    host="access.example.com",
    provider=Provider.oidc(
        issuer_url="https://login.example.com/realms/example", client_id="example-app"
    ),
    controller=CONTROLLER,
)
seed_app = ProtectedApp(
    "example-protected-app",
    namespace=NAMESPACE,
    host="app.example.com",
    backend=ServiceRef("my-service", 80),
    proxy=access,
    pass_through_401=True,
    controller=CONTROLLER,
)

# A backend Service of this program (its Deployment is left out here): the HTTPRoute routes
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
    controller=CONTROLLER,
)

pulumi.export("signin_url", access.signin_url)
pulumi.export("hosts", [seed_app.host, whoami_app.host])
