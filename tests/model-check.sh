#!/usr/bin/env bash
# The long randomized model check of the engine (10,000 workflows by
# default): tests/core/engine_model_test.cpp with more runs.
#   tests/model-check.sh [RUNS] [SEED]      (build/relman_tests must exist)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${RELMAN_TESTS_BIN:-build/relman_tests}
RELMAN_MODEL_RUNS=${1:-10000} RELMAN_MODEL_SEED=${2:-$RANDOM$RANDOM} \
  "$bin" --gtest_filter='EngineModel.*'
