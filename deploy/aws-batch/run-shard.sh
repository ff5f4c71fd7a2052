#!/bin/sh
# An AWS Batch array child: one shard of the fleet run, uploaded to
# $BENCH_S3/<fleet run>/<instance type>/shard-<index>.csv (+ .json). The fleet run id is the
# parent array job's id (bench reads AWS_BATCH_JOB_ID), the shard index and count come from
# AWS_BATCH_JOB_ARRAY_INDEX/SIZE, the instance type and its price from the instance metadata.
# Environment: BENCH_S3 (s3://bucket/prefix; required), BENCH_SUITE, BENCH_BACKENDS, BENCH_ARGS.
set -eu
: "${BENCH_S3:?set BENCH_S3 to s3://bucket/prefix}"
fleet=${BENCH_FLEET_RUN:-${AWS_BATCH_JOB_ID%%:*}}
out=/tmp/bench/shard-$AWS_BATCH_JOB_ARRAY_INDEX.csv
mkdir -p /tmp/bench
# shellcheck disable=SC2086
bench run --suite "${BENCH_SUITE:-training}" --backend "${BENCH_BACKENDS:-measured}" --shard auto \
    --host-instance auto --out "$out" ${BENCH_ARGS:-}
type=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["fleet"]["host"])' "${out%.csv}.json")
aws s3 cp "${out%.csv}.json" "$BENCH_S3/$fleet/$type/"
aws s3 cp "$out" "$BENCH_S3/$fleet/$type/"
