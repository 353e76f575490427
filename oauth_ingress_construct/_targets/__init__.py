"""The targets, one module each, registered here: ``controller=`` picks one of them.

Each module describes its controller (the ``controller=`` class), checks what the
controller can honour, and builds the objects of its target; none imports another. A new
target is a new module with a ``TARGET`` (a ``_core.target.Target``) and one line below.
"""

from __future__ import annotations

from oauth_ingress_construct._core.target import Targets

from . import envoy_gateway, ingress_nginx
from .envoy_gateway import EnvoyGateway
from .ingress_nginx import IngressNginx

__all__ = ["TARGETS", "Controller"]

#: What ``controller=`` accepts: a registered description, or ``None`` (ingress-nginx).
Controller = IngressNginx | EnvoyGateway | None

#: Every target; ``controller=None`` picks ingress-nginx.
TARGETS: Targets[Controller] = Targets(ingress_nginx.TARGET, envoy_gateway.TARGET)
