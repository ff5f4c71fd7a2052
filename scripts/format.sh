#!/usr/bin/env bash
# Formats the Swift sources with swift-format (shipped with the Swift 6 toolchain).
set -euo pipefail
cd "$(dirname "$0")/.."
swift format --in-place --recursive --configuration .swift-format Sources Tests "$@"
