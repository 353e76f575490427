"""The cdk8s front end: ``ProtectedApp`` and ``OAuth2Proxy`` as constructs."""
