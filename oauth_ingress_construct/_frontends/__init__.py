"""The front ends: each wraps the core's manifests into its own objects, deciding nothing.

``cdk8s`` (constructs and ``ApiObject`` s) and ``pulumi`` (ComponentResources).
"""
