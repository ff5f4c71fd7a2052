#!/usr/bin/env bash
# Formats the Swift sources with swift-format (shipped with the Swift 6 toolchain).
#   scripts/format.sh           rewrites Sources/, Tests/ and Benchmarks/ in place
#   scripts/format.sh --check   changes nothing; lists every file swift-format would change
#                               and exits 1 if there is one (scripts/test runs this in CI)
set -euo pipefail
cd "$(dirname "$0")/.."
dirs=(Sources Tests Benchmarks)
if [ "${1:-}" = "--check" ]; then
    status=0
    while IFS= read -r -d '' f; do
        if ! swift format --configuration .swift-format "$f" | cmp -s - "$f"; then
            echo "not formatted: $f (run scripts/format.sh)" >&2
            status=1
        fi
    done < <(find "${dirs[@]}" -name '*.swift' -print0 | sort -z)
    exit "$status"
fi
swift format --in-place --recursive --configuration .swift-format "${dirs[@]}" "$@"
