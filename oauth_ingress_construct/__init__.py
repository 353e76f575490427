"""cdk8s constructs that put oauth2-proxy in front of web apps served by ingress-nginx."""

from ._app import DEFAULT_RESPONSE_HEADERS, PathType, ProtectedApp
from ._controller import (
    ControllerAdvisoryWarning,
    IngressNginx,
    PassThroughStrategy,
    RiskLevel,
    SnippetAnnotationWarning,
)
from ._provider import InsecureIssuerWarning, Provider
from ._proxy import DEFAULT_PROXY_IMAGE, OAuth2Proxy, ProxyResources
from ._refs import ProxySecret, ServiceRef
from ._sessions import Sessions
from ._validation import ConfigurationError

__all__ = [
    "DEFAULT_PROXY_IMAGE",
    "DEFAULT_RESPONSE_HEADERS",
    "ConfigurationError",
    "ControllerAdvisoryWarning",
    "IngressNginx",
    "InsecureIssuerWarning",
    "OAuth2Proxy",
    "PassThroughStrategy",
    "PathType",
    "ProtectedApp",
    "Provider",
    "ProxyResources",
    "ProxySecret",
    "RiskLevel",
    "ServiceRef",
    "Sessions",
    "SnippetAnnotationWarning",
]
