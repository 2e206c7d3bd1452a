"""Airflow's answers to Kitelab's schedule conformance cases.

Reads cases (JSON) from argv[1], writes answers (JSON) to argv[2]. Drives Airflow's own
timetables directly, with `utcnow` patched to each case's "now", the way the scheduler asks
them: next_dagrun_info repeatedly from no previous run until a run is not due yet.
Runs inside a virtual environment that has apache-airflow installed.
"""
from __future__ import annotations

import datetime
import json
import sys

import airflow
import pendulum
from airflow.timetables.base import TimeRestriction
from airflow.timetables.interval import CronDataIntervalTimetable, DeltaDataIntervalTimetable
from airflow.timetables.simple import OnceTimetable
from airflow.timetables.trigger import CronTriggerTimetable

try:
    from airflow.timetables.trigger import DeltaTriggerTimetable
except ImportError:  # Airflow 2 has no DeltaTriggerTimetable
    DeltaTriggerTimetable = None

AIRFLOW_3 = airflow.__version__.startswith("3.")
PRESETS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@quarterly": "0 0 1 */3 *",
    "@yearly": "0 0 1 1 *",
}
CLOCK = {"now": None}


def patched_utcnow():
    return CLOCK["now"]


def patch_clock():
    """Every timetable module reads the time through its own imported `utcnow`."""
    import importlib

    for name in ("airflow.timetables.interval", "airflow.timetables.trigger", "airflow.timetables._cron",
                 "airflow.timetables._delta", "airflow.timetables.simple", "airflow.timetables.base"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(module, "utcnow"):
            module.utcnow = patched_utcnow
    # Airflow 3's CronTriggerTimetable without catchup sorts candidates by time.time().
    import airflow.timetables.trigger as trigger

    class PatchedTime:
        @staticmethod
        def time():
            return CLOCK["now"].timestamp()

    if hasattr(trigger, "time"):
        trigger.time = PatchedTime


def instant(text: str | None):
    return None if text is None else pendulum.parse(text).in_timezone("UTC")


def iso(value) -> str | None:
    if value is None:
        return None
    return pendulum.instance(value).in_timezone("UTC").strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def timetable_for(case):
    schedule = case["schedule"]
    timezone = pendulum.timezone(case["timezone"])
    airflow3 = case["semantics"] == "airflow3"
    if schedule == "@once":
        return OnceTimetable()
    if case.get("intervalMs") is not None:
        delta = datetime.timedelta(milliseconds=case["intervalMs"])
        if airflow3:
            return DeltaTriggerTimetable(delta)
        return DeltaDataIntervalTimetable(delta)
    expression = PRESETS.get(schedule, schedule)
    if airflow3:
        return CronTriggerTimetable(expression, timezone=timezone)
    return CronDataIntervalTimetable(expression, timezone)


def run_info(info):
    if info is None:
        return None
    return {
        "logicalDate": iso(info.logical_date),
        "dataIntervalStart": iso(info.data_interval.start),
        "dataIntervalEnd": iso(info.data_interval.end),
        "runAfter": iso(info.run_after),
    }


def answer(case, limit):
    CLOCK["now"] = instant(case["now"])
    timetable = timetable_for(case)
    restriction = TimeRestriction(instant(case["startDate"]), instant(case.get("endDate")), case["catchup"])
    due = []
    last = None
    while True:
        info = timetable.next_dagrun_info(last_automated_data_interval=last, restriction=restriction)
        if info is None or info.run_after > CLOCK["now"] or len(due) >= limit:
            return {"due": due, "next": run_info(info), "truncated": len(due) >= limit and info is not None and info.run_after <= CLOCK["now"]}
        if due and info.logical_date <= instant(due[-1]["logicalDate"]):
            return {"due": due, "next": run_info(info), "truncated": False}
        due.append(run_info(info))
        last = info.data_interval


def manual(case):
    timetable = timetable_for(case)
    run_after = instant(case["triggeredAt"])
    interval = timetable.infer_manual_data_interval(run_after=run_after)
    return {"dataIntervalStart": iso(interval.start), "dataIntervalEnd": iso(interval.end)}


def guarded(function, *args):
    """Airflow's own failure on a case (croniter asserts on some DST edges) is its answer."""
    try:
        return function(*args)
    except Exception as error:  # noqa: BLE001 - any failure is recorded, not fatal
        return {"error": f"{type(error).__name__}: {error}"}


def main():
    patch_clock()
    with open(sys.argv[1]) as handle:
        cases = json.load(handle)
    results = {"schedules": {}, "manual": {}}
    for case in cases["schedules"]:
        if case["semantics"] == "airflow3" and not AIRFLOW_3 and case.get("intervalMs") is not None:
            continue
        results["schedules"][case["id"]] = guarded(answer, case, cases["limit"])
    for case in cases["manual"]:
        results["manual"][case["id"]] = guarded(manual, case)
    with open(sys.argv[2], "w") as handle:
        json.dump({"airflow": airflow.__version__, "results": results}, handle)


if __name__ == "__main__":
    main()
