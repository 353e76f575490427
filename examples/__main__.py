"""Entry point of ``cdk8s synth`` (see cdk8s.yaml)."""

from examples import build_app

build_app().synth()
