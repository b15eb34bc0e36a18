#!/usr/bin/env python3
"""Comparator for scripts/bench: what a user would write with python3's json module.

Reads kubectl's `get jobs/pods/events -o json` output (the raw members of a
ksnap bundle), extracts the fields ksnap's rules look at and classifies
approximately as ksnap does: each Job's phase from its conditions, then
spec.suspend, then its counts (docs/rules.md, analyze/phase.go); each pod's
first problem (infrastructure reason, OOMKilled, CrashLoopBackOff, image
pull, config error, non-zero exit, unschedulable, failed); Warning events per
involved object. Prints one JSON summary; scripts/bench checks that jq's
classify.jq prints the same.

Usage: classify.py JOBS.json PODS.json EVENTS.json
"""

import json
import sys

IMAGE_PULL = {"ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull", "ImageInspectError"}
CONFIG = {"CreateContainerConfigError", "CreateContainerError", "RunContainerError", "PreStartHookError", "PreCreateHookError"}
POD_REASONS = {"Evicted", "NodeLost", "Shutdown", "UnexpectedAdmissionError", "NodeAffinity",
               "PreemptionByScheduler", "TerminationByKubelet", "DeadlineExceeded"}
RANK = {"OK": 0, "WARN": 1, "UNKNOWN": 2, "ERROR": 3}


def items(path):
    with open(path, "rb") as f:
        doc = json.load(f)
    return (doc or {}).get("items") or []


def job_phase(job):
    status = job.get("status")
    if status is None:
        return "UNKNOWN"
    conds = {c.get("type") for c in status.get("conditions") or [] if c.get("status") == "True"}
    if "Complete" in conds or "SuccessCriteriaMet" in conds:
        return "SUCCEEDED"
    if "Failed" in conds or "FailureTarget" in conds:
        return "FAILED"
    spec = job.get("spec") or {}
    if "Suspended" in conds or spec.get("suspend"):
        return "SUSPENDED"
    active = status.get("active") or 0
    succeeded = status.get("succeeded") or 0
    failed = status.get("failed") or 0
    completions = spec.get("completions")
    backoff = spec.get("backoffLimit")
    if active == 0 and succeeded > 0 and succeeded >= (1 if completions is None else completions):
        return "SUCCEEDED"
    if active == 0 and failed > (6 if backoff is None else backoff):
        return "FAILED"
    if active > 0 or status.get("startTime") or succeeded > 0 or failed > 0:
        return "RUNNING"
    return "PENDING"


def pod_problem(pod):
    status = pod.get("status") or {}
    phase = status.get("phase") or ""
    if status.get("reason") in POD_REASONS:
        return status["reason"]
    for c in (status.get("initContainerStatuses") or []) + (status.get("containerStatuses") or []):
        state = c.get("state") or {}
        term = state.get("terminated") or {}
        wait = state.get("waiting") or {}
        last = (c.get("lastState") or {}).get("terminated") or {}
        if term.get("reason") == "OOMKilled" or last.get("reason") == "OOMKilled":
            return "OOMKilled"
        reason = wait.get("reason")
        if reason == "CrashLoopBackOff":
            return "CrashLoopBackOff"
        if reason in IMAGE_PULL:
            return "ImagePull"
        if reason in CONFIG:
            return "ContainerConfig"
        if term and (term.get("exitCode") or 0) != 0:
            return "ExitCode"
    for c in status.get("conditions") or []:
        if c.get("type") == "PodScheduled" and c.get("status") == "False" and c.get("reason") == "Unschedulable" and phase == "Pending":
            return "Unschedulable"
    if phase == "Failed":
        return "Failed"
    return None


# How a pod problem weighs on its Job: a SUCCEEDED Job's pods are history,
# except OOMKilled; a RUNNING Job is in trouble when a pod is stuck (the
# generated pods have been unschedulable for long: ERROR, as ksnap says).
PROBLEM_LEVEL = {"CrashLoopBackOff": "ERROR", "ImagePull": "ERROR", "ContainerConfig": "ERROR",
                 "Unschedulable": "ERROR", "OOMKilled": "WARN", "ExitCode": "WARN", "Failed": "WARN"}
PHASE_LEVEL = {"SUCCEEDED": "OK", "RUNNING": "OK", "FAILED": "ERROR", "UNKNOWN": "ERROR",
               "PENDING": "WARN", "SUSPENDED": "WARN"}


def worst(a, b):
    return a if RANK[a] >= RANK[b] else b


def main():
    jobs_path, pods_path, events_path = sys.argv[1:4]
    jobs = items(jobs_path)
    pods = items(pods_path)
    events = items(events_path)

    phases = {}
    job_level = {}
    for j in jobs:
        name = (j.get("metadata") or {}).get("name")
        ph = job_phase(j)
        phases[ph] = phases.get(ph, 0) + 1
        job_level[name] = (ph, PHASE_LEVEL[ph])

    problems = {}
    for p in pods:
        prob = pod_problem(p)
        if prob is None:
            continue
        problems[prob] = problems.get(prob, 0) + 1
        owner = None
        for ref in (p.get("metadata") or {}).get("ownerReferences") or []:
            if ref.get("kind") == "Job":
                owner = ref.get("name")
        if owner in job_level:
            ph, lvl = job_level[owner]
            if ph == "SUCCEEDED" and prob != "OOMKilled":
                continue
            job_level[owner] = (ph, worst(lvl, PROBLEM_LEVEL.get(prob, "WARN")))

    warnings = 0
    warn_reasons = {}
    warned = set()
    for e in events:
        if e.get("type") != "Warning":
            continue
        warnings += 1
        r = e.get("reason") or ""
        warn_reasons[r] = warn_reasons.get(r, 0) + 1
        obj = e.get("involvedObject") or {}
        warned.add((obj.get("kind") or "") + "/" + (obj.get("name") or ""))

    health = {"OK": 0, "WARN": 0, "ERROR": 0}
    verdict = "OK"
    for ph, lvl in job_level.values():
        health[lvl] = health.get(lvl, 0) + 1
        verdict = worst(verdict, lvl)

    out = {
        "jobs": len(jobs),
        "job_phases": dict(sorted(phases.items())),
        "job_health": dict(sorted(health.items())),
        "pods": len(pods),
        "pod_problems": dict(sorted(problems.items())),
        "events": len(events),
        "warning_events": warnings,
        "warning_reasons": dict(sorted(warn_reasons.items())),
        "objects_with_warnings": len(warned),
        "verdict": verdict,
    }
    json.dump(out, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
