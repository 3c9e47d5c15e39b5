"""Runs cases through the REFERENCE SDK (SensorsAnalyticsSDK 1.11.0) for the differential test.

Run with the reference's own interpreter (its venv): both SDKs are the module
``sensorsanalytics``, so they cannot share a process.
    <ref-python> ref_runner.py CASES.json > RESULTS.json
Prints one result per case (vector_runner.run_case), as JSON.
"""

import json
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sensorsanalytics  # noqa: E402  (the reference, from this interpreter's site-packages)
import vector_runner  # noqa: E402


def main():
    from sensorsanalytics import sdk
    if sdk.SDK_VERSION != "1.11.0":
        sys.exit("reference SDK is %s, expected 1.11.0" % sdk.SDK_VERSION)
    with open(sys.argv[1], encoding="utf-8") as f:
        cases = json.load(f)
    results = [vector_runner.run_case(sensorsanalytics, c) for c in cases]
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
