"""The core: plain Python, no cdk8s, constructs, jsii or Pulumi.

Value types (``refs``, ``provider``, ``sessions``), one validation layer (``validation``,
``flags``, ``paths``), the identity headers every target must protect (``identity``), the
resolved specs (``workload``: the proxy; ``appspec``: the app), the program-wide claims
(``inventory``), the manifest builder (``manifests``) and the interface every target
implements (``target``).
"""
