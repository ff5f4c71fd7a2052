#!/usr/bin/env python3
"""Offline checks of the deploy/ recipes that cannot run here (docs/fleet.md):

- the Kubernetes manifests against the Kubernetes API's OpenAPI schemas, strictly (unknown
  fields rejected), with kubernetes-validate (schemas bundled: no cluster, no network);
- the AWS Batch JSON against the Batch API's request shapes from botocore's service model
  (RegisterJobDefinition for job-definition-*.json, SubmitJob for submit-*.json), the same
  check the AWS CLI makes before sending a request;
- the Slurm recipe runs for real in scripts/fleet-slurm-test.

Usage: deploy/validate.py   (pip install kubernetes-validate botocore); exit 0, or 1 naming each problem.
"""
import glob
import json
import os
import sys

import botocore.session
import botocore.validate
import kubernetes_validate
import yaml

here = os.path.dirname(os.path.realpath(__file__))
problems = []
for path in sorted(glob.glob(os.path.join(here, "kubernetes", "*.yaml"))):
    with open(path) as f:
        for doc in yaml.safe_load_all(f):
            try:
                kubernetes_validate.validate(doc, "1.33", strict=True)
                print(f"ok    {os.path.relpath(path, here)}: {doc['kind']} {doc['metadata']['name']}")
            except kubernetes_validate.ValidationError as e:
                problems.append(f"{os.path.relpath(path, here)}: {doc['kind']} {doc['metadata']['name']}: {e.message} at {list(e.path)}")
batch = botocore.session.get_session().get_service_model("batch")
for path in sorted(glob.glob(os.path.join(here, "aws-batch", "*.json"))):
    name = os.path.basename(path)
    op = "RegisterJobDefinition" if name.startswith("job-definition") else "SubmitJob"
    with open(path) as f:
        report = botocore.validate.ParamValidator().validate(json.load(f), batch.operation_model(op).input_shape)
    if report.has_errors():
        problems.append(f"aws-batch/{name} ({op}): {report.generate_report()}")
    else:
        print(f"ok    aws-batch/{name}: a valid {op} request (botocore {botocore.__version__})")
for p in problems:
    print(f"FAIL  {p}")
sys.exit(1 if problems else 0)
