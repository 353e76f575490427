"""cdk8s constructs that put oauth2-proxy in front of web apps (ingress-nginx, Envoy Gateway).

The value types (``Provider``, ``Sessions``, ...) are plain Python. The cdk8s constructs
``ProtectedApp`` and ``OAuth2Proxy`` are loaded on first use, so that importing a submodule
(``oauth_ingress_construct.pulumi``) or a value type does not start cdk8s's node runtime.
"""

from __future__ import annotations

import importlib
import typing
from importlib.metadata import PackageNotFoundError, version

from ._core.appspec import DEFAULT_RESPONSE_HEADERS, PathType, PublicRootWarning
from ._core.bearer import BearerTokens
from ._core.manifests import NamespaceFallbackWarning
from ._core.operations import Alerts, Autoscaling, Monitoring, MonitorKind
from ._core.provider import InsecureIssuerWarning, Provider
from ._core.refs import ProxySecret, ServiceRef
from ._core.sessions import Sessions
from ._core.target import PassThroughStrategy
from ._core.validation import ConfigurationError
from ._core.workload import DEFAULT_PROXY_IMAGE, ProxyResources
from ._targets.envoy_gateway import ClientTrafficPolicyWarning, EnvoyGateway, GatewayRef
from ._targets.ingress_nginx import (
    ControllerAdvisoryWarning,
    IngressNginx,
    PublicPathRegexWarning,
    RiskLevel,
    SnippetAnnotationWarning,
)

if typing.TYPE_CHECKING:
    from ._frontends.cdk8s.app import ProtectedApp
    from ._frontends.cdk8s.proxy import OAuth2Proxy

try:
    #: The installed distribution's version (one source: pyproject.toml).
    __version__ = version("oauth-ingress-construct")
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "DEFAULT_PROXY_IMAGE",
    "DEFAULT_RESPONSE_HEADERS",
    "Alerts",
    "Autoscaling",
    "BearerTokens",
    "ClientTrafficPolicyWarning",
    "ConfigurationError",
    "ControllerAdvisoryWarning",
    "EnvoyGateway",
    "GatewayRef",
    "IngressNginx",
    "InsecureIssuerWarning",
    "MonitorKind",
    "Monitoring",
    "NamespaceFallbackWarning",
    "OAuth2Proxy",
    "PassThroughStrategy",
    "PathType",
    "ProtectedApp",
    "Provider",
    "ProxyResources",
    "ProxySecret",
    "PublicPathRegexWarning",
    "PublicRootWarning",
    "RiskLevel",
    "ServiceRef",
    "Sessions",
    "SnippetAnnotationWarning",
]

#: The cdk8s front end's names and the private modules that define them.
_CDK8S_NAMES = {"OAuth2Proxy": "._frontends.cdk8s.proxy", "ProtectedApp": "._frontends.cdk8s.app"}


def __getattr__(name: str) -> typing.Any:  # noqa: ANN401 - PEP 562 module attribute hook
    module = _CDK8S_NAMES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
