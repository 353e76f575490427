#!/usr/bin/env bash
# Set up (if needed) and run the whole test suite: lint, types, and pytest (unit, snapshot,
# golden-file, schema, property-based and real-nginx behaviour tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=18,20 CDK8S_CHECK_UPGRADE=false
PATH="$PWD/.venv/bin:$PATH"
ruff check .
ruff format --check .
mypy
pytest "$@"
