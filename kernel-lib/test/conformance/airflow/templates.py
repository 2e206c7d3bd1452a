"""Airflow's answers to Kitelab's template conformance cases, through a real BashOperator in
`airflow dags test`.

Run as a script: reads the run and cases (JSON: {"run": {...}, "command": "...", "cases":
[{"id", ...}]}) from argv[1], writes answers (JSON) to argv[2]. It sets the run's Variables,
copies itself into Airflow's DAG folder as a DAG file, and runs `airflow dags test` once with
the run's logical date and conf. The DAG has one BashOperator whose command (made by
templateCases.ts) writes each case, rendered by Airflow's Jinja, to a file of its own; those
files are the answers, with the run's data interval (from the metadata DB) alongside.

Imported from the DAG folder (with KITELAB_TEMPLATE_CASES set), it builds that DAG.
Runs inside a virtual environment that has apache-airflow installed, with AIRFLOW_HOME set and
its DB migrated.
"""
from __future__ import annotations

import datetime
import json
import os
import sys

import airflow

AIRFLOW_3 = airflow.__version__.startswith("3.")
if AIRFLOW_3:
    from airflow.providers.standard.operators.bash import BashOperator
    from airflow.sdk import DAG
else:
    from airflow.models.dag import DAG
    from airflow.operators.bash import BashOperator

CASES_ENV = "KITELAB_TEMPLATE_CASES"
OUT_ENV = "KITELAB_TEMPLATE_OUT_DIR"


def build(spec, out):
    run = spec["run"]
    dag = DAG(
        dag_id=run["dagId"],
        schedule=run["schedule"],
        start_date=datetime.datetime.fromisoformat(run["startDate"].replace("Z", "+00:00")),
        catchup=False,
        params=run["params"],
    )
    with dag:
        BashOperator(
            task_id=run["taskId"],
            bash_command=spec["command"],
            env={"KITELAB_TEMPLATE_OUT": out},
            append_env=True,
        )
    return dag


def set_variables(variables):
    from airflow.models.variable import Variable

    for name, value in variables.items():
        Variable.set(name, value)


def main():
    import shutil
    import subprocess
    import tempfile
    from pathlib import Path

    cases_path, answers_path = os.path.abspath(sys.argv[1]), sys.argv[2]
    spec = json.load(open(cases_path))
    run = spec["run"]
    set_variables(run["variables"])
    home = Path(os.environ["AIRFLOW_HOME"])
    dags_folder = home / "dags"
    dags_folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(__file__, dags_folder / "kitelab_templates_dag.py")
    airflow_cli = str(Path(sys.executable).parent / "airflow")
    out = tempfile.mkdtemp(prefix="kitelab-templates-")
    env = {
        **os.environ,
        CASES_ENV: cases_path,
        OUT_ENV: out,
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    }
    logical_date = run["logicalDate"].replace("Z", "+00:00")
    test = subprocess.run(
        [airflow_cli, "dags", "test", run["dagId"], logical_date, "-c", json.dumps(run["conf"])],
        env=env,
        capture_output=True,
        text=True,
    )
    missing = [c["id"] for c in spec["cases"] if not os.path.exists(os.path.join(out, c["id"]))]
    if test.returncode != 0 or missing:
        sys.stderr.write(test.stdout[-6000:] + test.stderr[-6000:])
        raise SystemExit(f"airflow dags test {run['dagId']} failed (exit {test.returncode}); not rendered: {missing}")
    results = {}
    for case in spec["cases"]:
        text = open(os.path.join(out, case["id"])).read()
        results[case["id"]] = text[:-1] if text.endswith("\n") else text
    shutil.rmtree(out)
    json.dump({"airflow": airflow.__version__, "results": results}, open(answers_path, "w"))


if __name__ == "__main__":
    main()
elif CASES_ENV in os.environ and OUT_ENV in os.environ:
    # Imported by Airflow from the DAG folder: the DAG that renders every case.
    dag = build(json.load(open(os.environ[CASES_ENV])), os.environ[OUT_ENV])
