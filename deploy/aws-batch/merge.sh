#!/bin/sh
# The fleet's merge job (dependsOn every array job): downloads every shard under
# $BENCH_S3/$FLEET_RUN/, adds the modeled rows once, merges (exit 2, one line, when a host's
# shards are incomplete or repeated) and uploads $BENCH_S3/$FLEET_RUN/fleet.csv (+ .json).
set -eu
: "${BENCH_S3:?}" "${FLEET_RUN:?the first array job id}"
dir=/tmp/fleet && mkdir -p "$dir" && cd "$dir"
aws s3 cp --recursive "$BENCH_S3/$FLEET_RUN/" .
bench run --suite "${BENCH_SUITE:-training}" --backend modeled --out modeled.csv
bench merge */shard-*.csv modeled.csv --out fleet.csv
aws s3 cp fleet.csv "$BENCH_S3/$FLEET_RUN/" && aws s3 cp fleet.json "$BENCH_S3/$FLEET_RUN/"
