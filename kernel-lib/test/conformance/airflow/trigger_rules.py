"""Airflow's answers to Kitelab's trigger-rule conformance cases, through a real `airflow dags test`.

Run as a script: reads cases (JSON: {"cases": [{"id", "rule", "upstreams"}]}) from argv[1],
writes answers (JSON) to argv[2]. It copies itself into Airflow's DAG folder as a DAG file and
runs `airflow dags test` once per trigger rule, on a small DAG of that rule's cases: a pool of
producer tasks that end in each outcome (success, failed, skipped, and upstream_failed, the
latter downstream of a failing task of its own), and one target task per case with the rule,
whose upstreams are producers with the case's outcomes. Each target's final state, read from
Airflow's metadata DB, is the answer. One small DAG per rule because Airflow 3 spends time per
task that grows with the DAG's size (about 15 s a task in one DAG of every case).

Imported from the DAG folder (with KITELAB_TRIGGER_RULE set), it builds that rule's DAG.
Runs inside a virtual environment that has apache-airflow installed, with AIRFLOW_HOME set and
its DB migrated.
"""
from __future__ import annotations

import datetime
import json
import os
import sys

import airflow
from airflow.exceptions import AirflowSkipException

AIRFLOW_3 = airflow.__version__.startswith("3.")
if AIRFLOW_3:
    from airflow.providers.standard.operators.empty import EmptyOperator
    from airflow.providers.standard.operators.python import PythonOperator
    from airflow.sdk import DAG
else:
    from airflow.models.dag import DAG
    from airflow.operators.empty import EmptyOperator
    from airflow.operators.python import PythonOperator

OUTCOMES = ("success", "failed", "skipped", "upstream_failed")
POOL = 3  # a case has at most three upstreams
CASES_ENV = "KITELAB_TRIGGER_RULE_CASES"
RULE_ENV = "KITELAB_TRIGGER_RULE"
# The targets (their ids are RULE__OUTCOME__...) and the success producers.
MARK_SUCCESS = r".*__.*|success_\d+"


def dag_id_for(rule):
    return f"kitelab_trigger_rule_{rule}"


def succeed():
    return None


def fail():
    raise RuntimeError("this producer fails on purpose")


def skip():
    raise AirflowSkipException("this producer skips on purpose")


def build(rule, cases):
    dag = DAG(
        dag_id=dag_id_for(rule),
        schedule=None,
        start_date=datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc),
        catchup=False,
        default_args={"retries": 0},
    )
    producers = {}
    with dag:
        for index in range(1, POOL + 1):
            producers[("success", index)] = PythonOperator(task_id=f"success_{index}", python_callable=succeed)
            producers[("failed", index)] = PythonOperator(task_id=f"failed_{index}", python_callable=fail)
            producers[("skipped", index)] = PythonOperator(task_id=f"skipped_{index}", python_callable=skip)
            root = PythonOperator(task_id=f"failing_root_{index}", python_callable=fail)
            upstream_failed = EmptyOperator(task_id=f"upstream_failed_{index}")
            root >> upstream_failed
            producers[("upstream_failed", index)] = upstream_failed
        for case in cases:
            if case["rule"] != rule:
                continue
            target = EmptyOperator(task_id=case["id"], trigger_rule=case["rule"])
            seen = {}
            for outcome in case["upstreams"]:
                seen[outcome] = seen.get(outcome, 0) + 1
                producers[(outcome, seen[outcome])] >> target
    return dag


def final_states(dag_id):
    """The task states of the DAG's latest run, from the metadata DB."""
    from airflow.models.dagrun import DagRun
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session

    with create_session() as session:
        run = session.query(DagRun).filter(DagRun.dag_id == dag_id).order_by(DagRun.id.desc()).first()
        if run is None:
            raise SystemExit(f"airflow dags test {dag_id} created no run: see its output above")
        rows = session.query(TaskInstance.task_id, TaskInstance.state).filter(
            TaskInstance.dag_id == dag_id, TaskInstance.run_id == run.run_id
        )
        return {task_id: (str(state.value) if hasattr(state, "value") else state) for task_id, state in rows}


def main():
    import shutil
    import subprocess
    import time
    from pathlib import Path

    cases_path, answers_path = os.path.abspath(sys.argv[1]), sys.argv[2]
    cases = json.load(open(cases_path))["cases"]
    home = Path(os.environ["AIRFLOW_HOME"])
    dags_folder = home / "dags"
    dags_folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(__file__, dags_folder / "kitelab_trigger_rules_dag.py")
    airflow_cli = str(Path(sys.executable).parent / "airflow")
    rules = list(dict.fromkeys(case["rule"] for case in cases))
    results = {}
    for rule in rules:
        started = time.monotonic()
        env = {
            **os.environ,
            CASES_ENV: cases_path,
            RULE_ENV: rule,
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        }
        # `dags test` exits non-zero when the run fails, which it does on purpose (the failing producers).
        # Tasks that can only succeed (the targets are EmptyOperators, the success producers return
        # None) are marked success when their turn comes instead of run, as Airflow's scheduler
        # does with EmptyOperators: Airflow 3 spends seconds running each task in `dags test`.
        subprocess.run(
            [airflow_cli, "dags", "test", dag_id_for(rule), "2024-01-01", "--mark-success-pattern", MARK_SUCCESS],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        states = final_states(dag_id_for(rule))
        wrong = {
            f"{outcome}_{index}": states.get(f"{outcome}_{index}")
            for outcome in OUTCOMES
            for index in range(1, POOL + 1)
            if states.get(f"{outcome}_{index}") != outcome
        }
        if wrong:
            raise SystemExit(f"{rule}: the producers did not end as intended: {wrong}")
        for case in cases:
            if case["rule"] == rule:
                results[case["id"]] = states.get(case["id"])
        print(f"trigger rules: {rule} on Airflow {airflow.__version__} in {time.monotonic() - started:.0f} s", flush=True)
    json.dump({"airflow": airflow.__version__, "results": results}, open(answers_path, "w"))


if __name__ == "__main__":
    main()
elif CASES_ENV in os.environ and RULE_ENV in os.environ:
    # Imported by Airflow from the DAG folder: the DAG of one rule's cases.
    dag = build(os.environ[RULE_ENV], json.load(open(os.environ[CASES_ENV]))["cases"])
