# Comparator for scripts/bench: the same extraction and classification as
# classify.py (read that file for the rules), written as a jq user would.
#
# Usage: jq -S -n --slurpfile jobs JOBS.json --slurpfile pods PODS.json \
#          --slurpfile events EVENTS.json -f classify.jq

def items: (.[0] // {}) | (.items // []);

def rank: {"OK": 0, "WARN": 1, "UNKNOWN": 2, "ERROR": 3}[.];
def worst($a; $b): if ($a | rank) >= ($b | rank) then $a else $b end;

def job_phase:
  if .status == null then "UNKNOWN"
  else
    .status as $s | (.spec // {}) as $spec
    | [($s.conditions // [])[] | select(.status == "True") | .type] as $conds
    | ($s.active // 0) as $active | ($s.succeeded // 0) as $succeeded | ($s.failed // 0) as $failed
    | if ($conds | index(["Complete"]) or index(["SuccessCriteriaMet"])) then "SUCCEEDED"
      elif ($conds | index(["Failed"]) or index(["FailureTarget"])) then "FAILED"
      elif ($conds | index(["Suspended"])) or ($spec.suspend == true) then "SUSPENDED"
      elif $active == 0 and $succeeded > 0 and $succeeded >= (if $spec.completions == null then 1 else $spec.completions end) then "SUCCEEDED"
      elif $active == 0 and $failed > (if $spec.backoffLimit == null then 6 else $spec.backoffLimit end) then "FAILED"
      elif $active > 0 or ($s.startTime != null and $s.startTime != "") or $succeeded > 0 or $failed > 0 then "RUNNING"
      else "PENDING" end
  end;

def image_pull: ["ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull", "ImageInspectError"];
def config_err: ["CreateContainerConfigError", "CreateContainerError", "RunContainerError", "PreStartHookError", "PreCreateHookError"];
def pod_reasons: ["Evicted", "NodeLost", "Shutdown", "UnexpectedAdmissionError", "NodeAffinity", "PreemptionByScheduler", "TerminationByKubelet", "DeadlineExceeded"];

# The first problem of one container status, or null.
def container_problem:
  ((.state // {}).terminated // {}) as $term
  | ((.state // {}).waiting // {}) as $wait
  | (((.lastState // {}).terminated) // {}) as $last
  | if $term.reason == "OOMKilled" or $last.reason == "OOMKilled" then "OOMKilled"
    elif $wait.reason == "CrashLoopBackOff" then "CrashLoopBackOff"
    elif ($wait.reason != null and (image_pull | index([$wait.reason]))) then "ImagePull"
    elif ($wait.reason != null and (config_err | index([$wait.reason]))) then "ContainerConfig"
    elif ($term | length) > 0 and ($term.exitCode // 0) != 0 then "ExitCode"
    else null end;

def pod_problem:
  (.status // {}) as $s | ($s.phase // "") as $phase
  | if ($s.reason != null and (pod_reasons | index([$s.reason]))) then $s.reason
    else
      ([(($s.initContainerStatuses // []) + ($s.containerStatuses // []))[] | container_problem | select(. != null)] | first) as $c
      | if $c != null then $c
        elif [($s.conditions // [])[] | select(.type == "PodScheduled" and .status == "False" and .reason == "Unschedulable")] | length > 0 and $phase == "Pending" then "Unschedulable"
        elif $phase == "Failed" then "Failed"
        else null end
    end;

def problem_level: {"CrashLoopBackOff": "ERROR", "ImagePull": "ERROR", "ContainerConfig": "ERROR",
                    "Unschedulable": "ERROR", "OOMKilled": "WARN", "ExitCode": "WARN", "Failed": "WARN"}[.] // "WARN";
def phase_level: {"SUCCEEDED": "OK", "RUNNING": "OK", "FAILED": "ERROR", "UNKNOWN": "ERROR", "PENDING": "WARN", "SUSPENDED": "WARN"}[.];

def count_by(f): reduce .[] as $x ({}; ($x | f) as $k | .[$k] += 1);

($jobs | items) as $J
| ($pods | items) as $P
| ($events | items) as $E
| ($J | map({name: (.metadata.name), phase: job_phase}) | map(. + {level: (.phase | phase_level)})) as $jobrows
| ($P | map({problem: pod_problem, owner: ([(.metadata.ownerReferences // [])[] | select(.kind == "Job") | .name] | last)})
     | map(select(.problem != null))) as $probs
| (reduce $jobrows[] as $j ({}; .[$j.name] = {phase: $j.phase, level: $j.level})) as $byname0
| (reduce $probs[] as $p ($byname0;
      if ($p.owner != null and has($p.owner)) then
        .[$p.owner] as $j
        | if $j.phase == "SUCCEEDED" and $p.problem != "OOMKilled" then .
          else .[$p.owner].level = worst($j.level; ($p.problem | problem_level)) end
      else . end)) as $byname
| ($E | map(select(.type == "Warning"))) as $W
| {
    jobs: ($J | length),
    job_phases: ($jobrows | count_by(.phase)),
    job_health: ({"OK": 0, "WARN": 0, "ERROR": 0} + ([$byname[]] | count_by(.level))),
    pods: ($P | length),
    pod_problems: ($probs | count_by(.problem)),
    events: ($E | length),
    warning_events: ($W | length),
    warning_reasons: ($W | count_by(.reason // "")),
    objects_with_warnings: ($W | map(((.involvedObject // {}).kind // "") + "/" + ((.involvedObject // {}).name // "")) | unique | length),
    verdict: (reduce ([$byname[]][] | .level) as $l ("OK"; worst(.; $l)))
  }
