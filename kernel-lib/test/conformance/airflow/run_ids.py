"""Airflow's answers to Kitelab's run-id conformance cases: `DagRun.generate_run_id`, which
the scheduler, backfills and triggers name their runs with.

Reads cases (JSON: {"cases": [{"id", "runType", "logicalDate"}]}) from argv[1], writes
answers (JSON) to argv[2]. Runs inside a virtual environment that has apache-airflow installed.
"""
from __future__ import annotations

import json
import sys

import airflow
import pendulum
from airflow.models.dagrun import DagRun
from airflow.utils.types import DagRunType

AIRFLOW_3 = airflow.__version__.startswith("3.")


def run_id(case):
    run_type = DagRunType(case["runType"])
    logical_date = pendulum.parse(case["logicalDate"])
    if AIRFLOW_3:
        return DagRun.generate_run_id(run_type=run_type, logical_date=logical_date, run_after=logical_date)
    return DagRun.generate_run_id(run_type, logical_date)


def main():
    cases = json.load(open(sys.argv[1]))["cases"]
    results = {}
    for case in cases:
        try:
            results[case["id"]] = run_id(case)
        except Exception as error:  # recorded, not counted
            results[case["id"]] = {"error": f"{type(error).__name__}: {error}"}
    json.dump({"airflow": airflow.__version__, "results": results}, open(sys.argv[2], "w"))


if __name__ == "__main__":
    main()
