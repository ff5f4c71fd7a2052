#!/bin/sh
# Submits a fleet run on AWS Batch: one array job per instance type (each its own job queue,
# whose compute environment holds only that type), then the merge job depending on all of them.
# Every array uses the first array's job id as the fleet run (BENCH_FLEET_RUN), so that all hosts'
# shards land under $BENCH_S3/<that id>/. Needs the AWS CLI with credentials.
# Usage: deploy/aws-batch/submit.sh   (after: aws batch register-job-definition --cli-input-json file://job-definition-*.json)
set -eu
cd "$(dirname "$0")"
fleet= ids=
for type in c7i p5 trn1; do
    extra=${fleet:+--container-overrides environment=[{name=BENCH_FLEET_RUN,value=$fleet}]}
    # shellcheck disable=SC2086
    id=$(aws batch submit-job --cli-input-json "file://submit-array-$type.json" $extra --query jobId --output text)
    fleet=${fleet:-$id}
    ids="$ids $id"
    echo "array $id: $type"
done
set -- $ids
sed -e "s/ARRAY_JOB_ID_C7I/$1/g" -e "s/ARRAY_JOB_ID_P5/$2/g" -e "s/ARRAY_JOB_ID_TRN1/$3/g" submit-merge.json >/tmp/bench-merge.json
echo "merge $(aws batch submit-job --cli-input-json file:///tmp/bench-merge.json --query jobId --output text)"
