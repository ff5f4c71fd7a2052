#!/bin/bash
# Submits a fleet run on Slurm: one array of SHARDS tasks per instance type (as a node feature,
# --constraint), and a merge that runs after all of them succeed. Prints the array job ids and
# the merge job id; the merged result is $BENCH_RESULTS/<first array job id>/fleet.csv.
# Usage: BENCH_RESULTS=/shared/fleet deploy/slurm/submit.sh SHARDS TYPE [TYPE...]
#   e.g. deploy/slurm/submit.sh 4 c7i.48xlarge c7g.16xlarge trn1.32xlarge
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
shards=${1:?usage: submit.sh SHARDS TYPE [TYPE...]}
shift
[ $# -ge 1 ] || { echo "submit.sh: name at least one instance type (a node feature)" >&2; exit 2; }
: "${BENCH_RESULTS:?set BENCH_RESULTS to a folder every node sees}"
fleet= deps=
for type in "$@"; do
    # One fleet run id for every type: the first array's job id, passed to the others.
    id=$(sbatch --parsable --array="0-$((shards - 1))" --constraint="$type" \
        --export="ALL,BENCH_HOST_INSTANCE=$type${fleet:+,BENCH_FLEET_RUN=$fleet}" \
        "$here/bench-array.sbatch")
    id=${id%%;*}
    fleet=${fleet:-$id}
    deps=${deps:+$deps:}$id
    echo "array $id: $shards shards on $type"
done
merge=$(sbatch --parsable --dependency="afterok:$deps" --export="ALL,FLEET_JOB=$fleet" "$here/merge.sbatch")
echo "merge ${merge%%;*}: $BENCH_RESULTS/$fleet/fleet.csv"
