"""Entry point of ``cdk8s synth`` (see cdk8s.yaml): every example chart into dist/."""

from examples import build_apps

for app in build_apps():
    app.synth()
