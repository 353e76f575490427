"""Pulumi front end: ``ProtectedApp`` and ``OAuth2Proxy`` as ``pulumi.ComponentResource`` s.

Defined in ``oauth_ingress_construct._frontends.pulumi`` (see its documentation); this is
their public import path::

    from oauth_ingress_construct.pulumi import OAuth2Proxy, ProtectedApp
"""

from __future__ import annotations

from ._frontends.pulumi import OAuth2Proxy, ProtectedApp

__all__ = ["OAuth2Proxy", "ProtectedApp"]
