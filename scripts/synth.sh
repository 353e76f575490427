#!/usr/bin/env bash
# Set up (if needed) and synthesize every example chart into dist/ with `cdk8s synth`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=18,20 CDK8S_CHECK_UPGRADE=false
PATH="$PWD/.tools/node24/node_modules/.bin:$PWD/.venv/bin:$PATH" npx --no-install cdk8s synth --no-check-upgrade
