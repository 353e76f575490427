"""cdk8s constructs that put oauth2-proxy in front of web apps served by ingress-nginx."""

from importlib.metadata import PackageNotFoundError, version

from ._app import DEFAULT_RESPONSE_HEADERS, PathType, ProtectedApp
from ._controller import (
    ControllerAdvisoryWarning,
    IngressNginx,
    PassThroughStrategy,
    RiskLevel,
    SnippetAnnotationWarning,
)
from ._provider import Provider
from ._proxy import DEFAULT_PROXY_IMAGE, OAuth2Proxy, ProxyResources
from ._refs import ProxySecret, ServiceRef
from ._sessions import Sessions
from ._validation import ConfigurationError

try:
    #: The installed distribution's version (one source: pyproject.toml).
    __version__ = version("oauth-ingress-construct")
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "DEFAULT_PROXY_IMAGE",
    "DEFAULT_RESPONSE_HEADERS",
    "ConfigurationError",
    "ControllerAdvisoryWarning",
    "IngressNginx",
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
