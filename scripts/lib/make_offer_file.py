#!/usr/bin/env python3
"""Writes an EC2 Price List offer file in the documented shape (offers/v1.0/aws/AmazonEC2/
current/<region>/index.json), for bench's import tests and its speed and memory measurement.

  make_offer_file.py OUT.json [--mb SIZE] [--region us-east-1]

It holds the clean Linux on-demand product of p5.48xlarge and trn1.32xlarge (with 1- and
3-year no-upfront reserved terms) and their decoys (Windows, dedicated tenancy, SQL Server,
a capacity reservation), then filler products (mostly compute instances of other types,
operating systems and tenancies, some storage and data transfer) with their terms, until the
file reaches SIZE MB (default: no filler). Deterministic."""
import argparse
import json

p = argparse.ArgumentParser()
p.add_argument("out")
p.add_argument("--mb", type=float, default=0)
p.add_argument("--region", default="us-east-1")
a = p.parse_args()
LOCATION = {"us-east-1": "US East (N. Virginia)", "eu-west-1": "EU (Ireland)", "us-west-2": "US West (Oregon)"}[a.region]
CLEAN = {"operatingSystem": "Linux", "tenancy": "Shared", "preInstalledSw": "NA", "capacitystatus": "Used",
         "licenseModel": "No License required", "operation": "RunInstances"}
OD = "JRTCKXETXF"


def product(sku, itype, family="Compute Instance", **over):
    attrs = {"servicecode": "AmazonEC2", "location": LOCATION, "locationType": "AWS Region", "instanceType": itype,
             "usagetype": f"BoxUsage:{itype}", "regionCode": a.region, "vcpu": "192", **CLEAN, **over}
    return sku, {"sku": sku, "productFamily": family, "attributes": attrs}


def term(sku, code, usd, attrs=None, upfront=None):
    dims = {f"{sku}.{code}.6YS6EN2CT7": {"rateCode": f"{sku}.{code}.6YS6EN2CT7", "description": f"${usd} per hour",
                                         "beginRange": "0", "endRange": "Inf", "unit": "Hrs",
                                         "pricePerUnit": {"USD": f"{usd:.10f}"}, "appliesTo": []}}
    if upfront is not None:
        dims[f"{sku}.{code}.2TG2D8R56U"] = {"rateCode": f"{sku}.{code}.2TG2D8R56U", "description": "Upfront Fee",
                                            "unit": "Quantity", "pricePerUnit": {"USD": f"{upfront:.2f}"}, "appliesTo": []}
    return {f"{sku}.{code}": {"offerTermCode": code, "sku": sku, "effectiveDate": "2026-11-01T00:00:00Z",
                              "priceDimensions": dims, "termAttributes": attrs or {}}}


products = dict([
    product("P5CLEAN000000001", "p5.48xlarge"),
    product("P5WINDOWS0000002", "p5.48xlarge", operatingSystem="Windows", licenseModel="License Included"),
    product("P5DEDICATED00003", "p5.48xlarge", tenancy="Dedicated"),
    product("P5SQLSTD00000004", "p5.48xlarge", preInstalledSw="SQL Std"),
    product("P5RESERVATION005", "p5.48xlarge", capacitystatus="AllocatedCapacityReservation"),
    product("TRN1CLEAN0000006", "trn1.32xlarge"),
])
on_demand = {"P5CLEAN000000001": term("P5CLEAN000000001", OD, 55.04), "P5WINDOWS0000002": term("P5WINDOWS0000002", OD, 61.0),
             "P5DEDICATED00003": term("P5DEDICATED00003", OD, 60.5), "P5SQLSTD00000004": term("P5SQLSTD00000004", OD, 70.0),
             "P5RESERVATION005": term("P5RESERVATION005", OD, 0.0), "TRN1CLEAN0000006": term("TRN1CLEAN0000006", OD, 21.50)}
reserved = {"P5CLEAN000000001": {
    **term("P5CLEAN000000001", "4NA7Y494T4", 37.2, {"LeaseContractLength": "1yr", "OfferingClass": "standard", "PurchaseOption": "No Upfront"}),
    **term("P5CLEAN000000001", "BPH4J8HBKS", 24.1, {"LeaseContractLength": "3yr", "OfferingClass": "standard", "PurchaseOption": "No Upfront"}),
    **term("P5CLEAN000000001", "6QCMYABX3D", 0.0, {"LeaseContractLength": "1yr", "OfferingClass": "standard", "PurchaseOption": "All Upfront"}, upfront=300000.0),
    **term("P5CLEAN000000001", "7NE97W5U4E", 40.0, {"LeaseContractLength": "1yr", "OfferingClass": "convertible", "PurchaseOption": "No Upfront"}),
}}

head = {"formatVersion": "v1.0", "disclaimer": "This pricing list is for informational purposes only.",
        "offerCode": "AmazonEC2", "version": "20261201000000", "publicationDate": "2026-12-01T00:00:00Z"}
target = int(a.mb * 1e6)
with open(a.out, "w") as f:
    f.write(json.dumps(head, indent=2)[:-2] + ',\n  "products" : {\n')
    first = True
    for sku, prod in products.items():
        f.write(("" if first else ",\n") + f'    "{sku}" : ' + json.dumps(prod))
        first = False
    # Filler: other families and types, about 1 KB a product plus its term.
    n, size, filler_terms = 0, f.tell(), []
    # Mostly compute instances, as in a real EC2 offer file (every OS, tenancy and licence
    # variant of every type): each one is decoded, the costly case for the importer.
    families = ["Compute Instance", "Compute Instance", "Compute Instance", "Compute Instance", "Storage",
                "Compute Instance", "Compute Instance", "Data Transfer", "Compute Instance", "IP Address"]
    while size < target * 0.6:
        sku = f"FILL{n:012d}"
        fam = families[n % len(families)]
        itype = f"x{n % 97}.{['large', 'xlarge', '2xlarge'][n % 3]}" if fam == "Compute Instance" else ""
        os_ = ["Linux", "Windows", "RHEL", "SUSE"][n % 4]
        _, prod = product(sku, itype, family=fam, operatingSystem=os_, description="filler " * 20)
        text = ",\n" + f'    "{sku}" : ' + json.dumps(prod)
        f.write(text)
        size += len(text)
        n += 1
    f.write('\n  },\n  "terms" : {\n    "OnDemand" : {\n')
    first = True
    for sku, t in on_demand.items():
        f.write(("" if first else ",\n") + f'      "{sku}" : ' + json.dumps(t))
        first = False
    i = 0
    while size < target:
        sku = f"FILL{i % max(n, 1):012d}"
        text = ",\n" + f'      "{sku}X{i}" : ' + json.dumps(term(sku, OD, 1.0 + i % 50))
        f.write(text)
        size += len(text)
        i += 1
    f.write('\n    },\n    "Reserved" : {\n')
    f.write(",\n".join(f'      "{sku}" : ' + json.dumps(t) for sku, t in reserved.items()))
    f.write("\n    }\n  }\n}\n")
