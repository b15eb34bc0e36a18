// Package gen generates large, deterministic, realistic ksnap bundles for
// benchmarks and load tests: N pods that look like kubectl's JSON (with
// managedFields), about one Job per two pods, five events per pod and one
// per Job, and a fixed mix of states (succeeded, running, retrying, failed,
// crash-looping, image-pull failure, unschedulable, OOMKilled). The same
// Options always give the same bytes. It is test support: it never reads
// the clock or the network, and production code must not import it.
package gen

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ksnap/ksnap/capture/bundle"
)

// Options shape a generated bundle.
type Options struct {
	// Pods is the number of pods (at least 1).
	Pods int
	// Namespace defaults to "batch".
	Namespace string
	// CapturedAt defaults to 2025-11-16T10:00:00Z.
	CapturedAt time.Time
}

// Bundle is a generated bundle: a sealed manifest and its members.
type Bundle struct {
	Manifest *bundle.Manifest
	Members  []bundle.Member
}

// Member returns the named member's bytes, or nil.
func (b *Bundle) Member(name string) []byte {
	for _, m := range b.Members {
		if m.Name == name {
			return m.Data
		}
	}
	return nil
}

// Size is the total size of all members in bytes.
func (b *Bundle) Size() int64 {
	var n int64
	for _, m := range b.Members {
		n += int64(len(m.Data))
	}
	return n
}

// Write writes the bundle into dir with bundle.Write and returns its path.
func (b *Bundle) Write(dir string) (string, error) {
	return bundle.Write(dir, b.Manifest, b.Members)
}

// Scenario is the state of one generated Job and its pods. Job i gets
// Scenarios[i % len(Scenarios)].
type Scenario int

// Scenarios, in the order they cycle.
const (
	Succeeded     Scenario = iota // Complete, both pods Succeeded
	Running                       // active, both pods Running
	Succeeded2                    // Complete
	Retrying                      // one pod Failed (exit 1), one Running: within backoffLimit
	Succeeded3                    // Complete
	Failed                        // Failed/BackoffLimitExceeded, both pods Failed
	CrashLooping                  // one pod in CrashLoopBackOff
	Succeeded4                    // Complete
	ImagePull                     // one pod in ImagePullBackOff
	Unschedulable                 // pods Pending, PodScheduled=False/Unschedulable
	OOMKilled                     // Failed, pod terminated OOMKilled
	Succeeded5                    // Complete
)

// Scenarios lists every scenario in cycle order.
var Scenarios = []Scenario{Succeeded, Running, Succeeded2, Retrying, Succeeded3, Failed, CrashLooping, Succeeded4, ImagePull, Unschedulable, OOMKilled, Succeeded5}

// Generate builds a bundle. It panics only if the generated manifest is
// invalid, which is a bug in this package.
func Generate(o Options) *Bundle {
	if o.Pods < 1 {
		o.Pods = 1
	}
	if o.Namespace == "" {
		o.Namespace = "batch"
	}
	if o.CapturedAt.IsZero() {
		o.CapturedAt = time.Date(2025, 11, 16, 10, 0, 0, 0, time.UTC)
	}
	g := &generator{o: o}
	jobs, pods, events := g.lists()
	m := &bundle.Manifest{
		Format:        bundle.Format,
		FormatVersion: bundle.FormatVersion,
		KsnapVersion:  "gen",
		Source:        bundle.SourceCapture,
		CapturedAt:    bundle.FormatTime(o.CapturedAt),
		FinishedAt:    bundle.FormatTime(o.CapturedAt.Add(2 * time.Second)),
		Namespace:     o.Namespace,
		Selector:      "app=gen",
		Commands: []bundle.Command{
			{Kind: bundle.KindJobs, Member: bundle.JobsMember, Argv: []string{"kubectl", "get", "jobs", "-o", "json", "-n", o.Namespace, "-l", "app=gen"}, Status: bundle.StatusOK},
			{Kind: bundle.KindPods, Member: bundle.PodsMember, Argv: []string{"kubectl", "get", "pods", "-o", "json", "-n", o.Namespace, "-l", "app=gen"}, Status: bundle.StatusOK},
			{Kind: bundle.KindEvents, Member: bundle.EventsMember, Argv: []string{"kubectl", "get", "events", "-o", "json", "-n", o.Namespace}, Status: bundle.StatusOK},
		},
	}
	members := []bundle.Member{
		{Name: bundle.JobsMember, Data: jobs},
		{Name: bundle.PodsMember, Data: pods},
		{Name: bundle.EventsMember, Data: events},
	}
	if _, _, err := bundle.Seal(m, members); err != nil {
		panic(fmt.Sprintf("gen: generated manifest is invalid: %v", err))
	}
	return &Bundle{Manifest: m, Members: members}
}

type generator struct {
	o Options
}

func (g *generator) ts(d time.Duration) string {
	return g.o.CapturedAt.Add(-d).UTC().Format(time.RFC3339)
}

// uid is a deterministic RFC 4122-looking id.
func uid(kind string, i int) string {
	h := uint64(14695981039346656037)
	for _, c := range kind + strconv.Itoa(i) {
		h ^= uint64(c)
		h *= 1099511628211
	}
	s := fmt.Sprintf("%016x%016x", h, h*2654435761)
	return s[0:8] + "-" + s[8:12] + "-4" + s[13:16] + "-a" + s[17:20] + "-" + s[20:32]
}

func list(items []string) []byte {
	var b bytes.Buffer
	b.WriteString("{\n    \"apiVersion\": \"v1\",\n    \"items\": [")
	for i, it := range items {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n")
		b.WriteString(it)
	}
	if len(items) > 0 {
		b.WriteString("\n    ")
	}
	b.WriteString("],\n    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n")
	return b.Bytes()
}

func (g *generator) lists() (jobs, pods, events []byte) {
	nJobs := (g.o.Pods + 1) / 2
	var jobItems, podItems, eventItems []string
	for j := 0; j < nJobs; j++ {
		sc := Scenarios[j%len(Scenarios)]
		jobName := fmt.Sprintf("gen-job-%05d", j)
		jobUID := uid("job", j)
		npods := 2
		if 2*j+1 >= g.o.Pods {
			npods = g.o.Pods - 2*j
		}
		jobItems = append(jobItems, g.job(jobName, jobUID, sc, j, npods))
		eventItems = append(eventItems, g.event(fmt.Sprintf("%s.job%d", jobName, j), "Job", jobName, jobUID, "Normal", "SuccessfulCreate", "Created pod: "+jobName+"-a", 2*j, 50*time.Minute))
		if sc == Failed || sc == OOMKilled {
			eventItems = append(eventItems, g.event(fmt.Sprintf("%s.fail%d", jobName, j), "Job", jobName, jobUID, "Warning", "BackoffLimitExceeded", "Job has reached the specified backoff limit", 2*j+1, 10*time.Minute))
		}
		for k := 0; k < npods; k++ {
			i := 2*j + k
			podName := fmt.Sprintf("%s-%c%04x", jobName, 'a'+k, i%65536)
			podUID := uid("pod", i)
			podItems = append(podItems, g.pod(podName, podUID, jobName, jobUID, sc, k, i))
			for e, ev := range podEvents(sc, k) {
				eventItems = append(eventItems, g.event(fmt.Sprintf("%s.%x", podName, 0x17a0000+i*8+e), "Pod", podName, podUID, ev.typ, ev.reason, ev.msg, i, time.Duration(50-e)*time.Minute))
			}
		}
	}
	return list(jobItems), list(podItems), list(eventItems)
}

type ev struct{ typ, reason, msg string }

func podEvents(sc Scenario, k int) []ev {
	normal := []ev{
		{"Normal", "Scheduled", "Successfully assigned pod to node-1"},
		{"Normal", "Pulling", "Pulling image \"registry.example/batch/worker:1.4.2\""},
		{"Normal", "Pulled", "Successfully pulled image \"registry.example/batch/worker:1.4.2\" in 1.2s"},
		{"Normal", "Created", "Created container worker"},
		{"Normal", "Started", "Started container worker"},
	}
	switch {
	case sc == CrashLooping && k == 0:
		normal[4] = ev{"Warning", "BackOff", "Back-off restarting failed container worker in pod"}
	case sc == ImagePull && k == 0:
		normal[2] = ev{"Warning", "Failed", "Failed to pull image \"registry.example/batch/worker:missing\": not found"}
		normal[3] = ev{"Warning", "Failed", "Error: ErrImagePull"}
		normal[4] = ev{"Normal", "BackOff", "Back-off pulling image \"registry.example/batch/worker:missing\""}
	case sc == Unschedulable:
		for i := range normal {
			normal[i] = ev{"Warning", "FailedScheduling", "0/3 nodes are available: 3 Insufficient cpu."}
		}
	}
	return normal
}

var jobTemplate = strings.TrimPrefix(`
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {
                "annotations": {
                    "batch.kubernetes.io/job-tracking": ""
                },
                "creationTimestamp": "{{CREATED}}",
                "generation": 1,
                "labels": {
                    "app": "gen",
                    "batch.kubernetes.io/controller-uid": "{{UID}}",
                    "batch.kubernetes.io/job-name": "{{NAME}}",
                    "controller-uid": "{{UID}}",
                    "job-name": "{{NAME}}"
                },
                "name": "{{NAME}}",
                "namespace": "{{NS}}",
                "resourceVersion": "{{RV}}",
                "uid": "{{UID}}"
            },
            "spec": {
                "backoffLimit": 3,
                "completionMode": "NonIndexed",
                "completions": 2,
                "manualSelector": false,
                "parallelism": 2,
                "podReplacementPolicy": "TerminatingOrFailed",
                "selector": {
                    "matchLabels": {
                        "batch.kubernetes.io/controller-uid": "{{UID}}"
                    }
                },
                "suspend": false,
                "template": {
                    "metadata": {
                        "creationTimestamp": null,
                        "labels": {
                            "app": "gen",
                            "batch.kubernetes.io/controller-uid": "{{UID}}",
                            "batch.kubernetes.io/job-name": "{{NAME}}",
                            "controller-uid": "{{UID}}",
                            "job-name": "{{NAME}}"
                        }
                    },
                    "spec": {
                        "containers": [
                            {
                                "command": ["/bin/worker", "--shard", "{{RV}}"],
                                "image": "registry.example/batch/worker:1.4.2",
                                "imagePullPolicy": "IfNotPresent",
                                "name": "worker",
                                "resources": {"limits": {"memory": "256Mi"}, "requests": {"cpu": "100m", "memory": "128Mi"}},
                                "terminationMessagePath": "/dev/termination-log",
                                "terminationMessagePolicy": "File"
                            }
                        ],
                        "dnsPolicy": "ClusterFirst",
                        "restartPolicy": "Never",
                        "schedulerName": "default-scheduler",
                        "securityContext": {},
                        "terminationGracePeriodSeconds": 30
                    }
                }
            },
            "status": {{STATUS}}
        }`, "\n")

func (g *generator) job(name, id string, sc Scenario, j, npods int) string {
	start := g.ts(50 * time.Minute)
	var status string
	switch sc {
	case Running, CrashLooping, ImagePull, Unschedulable:
		status = fmt.Sprintf(`{"active": %d, "ready": 0, "startTime": %q, "terminating": 0, "uncountedTerminatedPods": {}}`, npods, start)
	case Retrying:
		status = fmt.Sprintf(`{"active": 1, "failed": 1, "ready": 1, "startTime": %q, "terminating": 0, "uncountedTerminatedPods": {}}`, start)
	case Failed, OOMKilled:
		status = fmt.Sprintf(`{"conditions": [{"lastProbeTime": %q, "lastTransitionTime": %q, "message": "Job has reached the specified backoff limit", "reason": "BackoffLimitExceeded", "status": "True", "type": "FailureTarget"}, {"lastProbeTime": %q, "lastTransitionTime": %q, "message": "Job has reached the specified backoff limit", "reason": "BackoffLimitExceeded", "status": "True", "type": "Failed"}], "failed": 4, "ready": 0, "startTime": %q, "terminating": 0, "uncountedTerminatedPods": {}}`,
			g.ts(10*time.Minute), g.ts(10*time.Minute), g.ts(10*time.Minute), g.ts(10*time.Minute), start)
	default:
		status = fmt.Sprintf(`{"completionTime": %q, "conditions": [{"lastProbeTime": %q, "lastTransitionTime": %q, "message": "Reached expected number of succeeded pods", "reason": "CompletionsReached", "status": "True", "type": "SuccessCriteriaMet"}, {"lastProbeTime": %q, "lastTransitionTime": %q, "message": "Reached expected number of succeeded pods", "reason": "CompletionsReached", "status": "True", "type": "Complete"}], "ready": 0, "startTime": %q, "succeeded": %d, "terminating": 0, "uncountedTerminatedPods": {}}`,
			g.ts(20*time.Minute), g.ts(20*time.Minute), g.ts(20*time.Minute), g.ts(20*time.Minute), g.ts(20*time.Minute), start, npods)
	}
	return strings.NewReplacer(
		"{{NAME}}", name, "{{UID}}", id, "{{NS}}", g.o.Namespace,
		"{{CREATED}}", start, "{{RV}}", strconv.Itoa(100000+j), "{{STATUS}}", status,
	).Replace(jobTemplate)
}

var podTemplate = strings.TrimPrefix(`
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "creationTimestamp": "{{CREATED}}",
                "finalizers": ["batch.kubernetes.io/job-tracking"],
                "generateName": "{{JOB}}-",
                "labels": {
                    "app": "gen",
                    "batch.kubernetes.io/controller-uid": "{{JOBUID}}",
                    "batch.kubernetes.io/job-name": "{{JOB}}",
                    "controller-uid": "{{JOBUID}}",
                    "job-name": "{{JOB}}"
                },
                "managedFields": [
                    {
                        "apiVersion": "v1",
                        "fieldsType": "FieldsV1",
                        "fieldsV1": {
                            "f:metadata": {
                                "f:finalizers": {".": {}, "v:\"batch.kubernetes.io/job-tracking\"": {}},
                                "f:generateName": {},
                                "f:labels": {".": {}, "f:app": {}, "f:batch.kubernetes.io/controller-uid": {}, "f:batch.kubernetes.io/job-name": {}, "f:controller-uid": {}, "f:job-name": {}},
                                "f:ownerReferences": {".": {}, "k:{\"uid\":\"{{JOBUID}}\"}": {}}
                            },
                            "f:spec": {
                                "f:containers": {
                                    "k:{\"name\":\"worker\"}": {
                                        ".": {}, "f:command": {}, "f:image": {}, "f:imagePullPolicy": {}, "f:name": {},
                                        "f:resources": {".": {}, "f:limits": {".": {}, "f:memory": {}}, "f:requests": {".": {}, "f:cpu": {}, "f:memory": {}}},
                                        "f:terminationMessagePath": {}, "f:terminationMessagePolicy": {}
                                    }
                                },
                                "f:dnsPolicy": {}, "f:enableServiceLinks": {}, "f:restartPolicy": {}, "f:schedulerName": {},
                                "f:securityContext": {}, "f:terminationGracePeriodSeconds": {}
                            }
                        },
                        "manager": "kube-controller-manager",
                        "operation": "Update",
                        "time": "{{CREATED}}"
                    },
                    {
                        "apiVersion": "v1",
                        "fieldsType": "FieldsV1",
                        "fieldsV1": {
                            "f:status": {
                                "f:conditions": {
                                    "k:{\"type\":\"ContainersReady\"}": {".": {}, "f:lastProbeTime": {}, "f:lastTransitionTime": {}, "f:status": {}, "f:type": {}},
                                    "k:{\"type\":\"Initialized\"}": {".": {}, "f:lastProbeTime": {}, "f:lastTransitionTime": {}, "f:status": {}, "f:type": {}},
                                    "k:{\"type\":\"PodReadyToStartContainers\"}": {".": {}, "f:lastProbeTime": {}, "f:lastTransitionTime": {}, "f:status": {}, "f:type": {}},
                                    "k:{\"type\":\"Ready\"}": {".": {}, "f:lastProbeTime": {}, "f:lastTransitionTime": {}, "f:status": {}, "f:type": {}}
                                },
                                "f:containerStatuses": {}, "f:hostIP": {}, "f:hostIPs": {}, "f:phase": {}, "f:podIP": {},
                                "f:podIPs": {".": {}, "k:{\"ip\":\"10.42.{{IP}}\"}": {".": {}, "f:ip": {}}},
                                "f:startTime": {}
                            }
                        },
                        "manager": "kubelet",
                        "operation": "Update",
                        "subresource": "status",
                        "time": "{{CREATED}}"
                    }
                ],
                "name": "{{NAME}}",
                "namespace": "{{NS}}",
                "ownerReferences": [
                    {
                        "apiVersion": "batch/v1",
                        "blockOwnerDeletion": true,
                        "controller": true,
                        "kind": "Job",
                        "name": "{{JOB}}",
                        "uid": "{{JOBUID}}"
                    }
                ],
                "resourceVersion": "{{RV}}",
                "uid": "{{UID}}"
            },
            "spec": {
                "containers": [
                    {
                        "command": ["/bin/worker", "--shard", "{{RV}}"],
                        "image": "registry.example/batch/worker:1.4.2",
                        "imagePullPolicy": "IfNotPresent",
                        "name": "worker",
                        "resources": {"limits": {"memory": "256Mi"}, "requests": {"cpu": "100m", "memory": "128Mi"}},
                        "terminationMessagePath": "/dev/termination-log",
                        "terminationMessagePolicy": "File",
                        "volumeMounts": [
                            {"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "name": "kube-api-access-{{SHORT}}", "readOnly": true}
                        ]
                    }
                ],
                "dnsPolicy": "ClusterFirst",
                "enableServiceLinks": true,
                "nodeName": "node-1",
                "preemptionPolicy": "PreemptLowerPriority",
                "priority": 0,
                "restartPolicy": "Never",
                "schedulerName": "default-scheduler",
                "securityContext": {},
                "serviceAccount": "default",
                "serviceAccountName": "default",
                "terminationGracePeriodSeconds": 30,
                "tolerations": [
                    {"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists", "tolerationSeconds": 300},
                    {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists", "tolerationSeconds": 300}
                ],
                "volumes": [
                    {
                        "name": "kube-api-access-{{SHORT}}",
                        "projected": {
                            "defaultMode": 420,
                            "sources": [
                                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                                {"configMap": {"items": [{"key": "ca.crt", "path": "ca.crt"}], "name": "kube-root-ca.crt"}},
                                {"downwardAPI": {"items": [{"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}, "path": "namespace"}]}}
                            ]
                        }
                    }
                ]
            },
            "status": {{STATUS}}
        }`, "\n")

func (g *generator) pod(name, id, job, jobUID string, sc Scenario, k, i int) string {
	created := g.ts(50 * time.Minute)
	cond := func(ready, sched string) string {
		return fmt.Sprintf(`[
                    {"lastProbeTime": null, "lastTransitionTime": %q, "status": "True", "type": "PodReadyToStartContainers"},
                    {"lastProbeTime": null, "lastTransitionTime": %q, "status": "True", "type": "Initialized"},
                    {"lastProbeTime": null, "lastTransitionTime": %q, "status": %q, "type": "Ready"},
                    {"lastProbeTime": null, "lastTransitionTime": %q, "status": %q, "type": "ContainersReady"},
                    {"lastProbeTime": null, "lastTransitionTime": %q, "status": %q, "type": "PodScheduled"}
                ]`, created, created, created, ready, created, ready, created, sched)
	}
	cs := func(ready bool, restarts int, state, last string) string {
		return fmt.Sprintf(`[
                    {
                        "containerID": "containerd://%064x",
                        "image": "registry.example/batch/worker:1.4.2",
                        "imageID": "registry.example/batch/worker@sha256:%064x",
                        "lastState": %s,
                        "name": "worker",
                        "ready": %t,
                        "restartCount": %d,
                        "started": %t,
                        "state": %s
                    }
                ]`, i+1, 7, last, ready, restarts, ready, state)
	}
	term := func(reason string, code int) string {
		return fmt.Sprintf(`{"terminated": {"containerID": "containerd://%064x", "exitCode": %d, "finishedAt": %q, "reason": %q, "startedAt": %q}}`, i+1, code, g.ts(15*time.Minute), reason, g.ts(40*time.Minute))
	}
	running := fmt.Sprintf(`{"running": {"startedAt": %q}}`, g.ts(40*time.Minute))
	status := func(phase, conds, containers string) string {
		return fmt.Sprintf(`{
                "conditions": %s,
                "containerStatuses": %s,
                "hostIP": "192.168.1.10",
                "hostIPs": [{"ip": "192.168.1.10"}],
                "phase": %q,
                "podIP": "10.42.%d.%d",
                "podIPs": [{"ip": "10.42.%d.%d"}],
                "qosClass": "Burstable",
                "startTime": %q
            }`, conds, containers, phase, i/250, i%250, i/250, i%250, created)
	}
	var st string
	switch {
	case sc == Running || (sc == Retrying && k == 1) || (sc == CrashLooping && k == 1) || (sc == ImagePull && k == 1):
		st = status("Running", cond("True", "True"), cs(true, 0, running, "{}"))
	case sc == Retrying || sc == Failed:
		st = status("Failed", cond("False", "True"), cs(false, 0, term("Error", 1), "{}"))
	case sc == OOMKilled:
		st = status("Failed", cond("False", "True"), cs(false, 0, term("OOMKilled", 137), "{}"))
	case sc == CrashLooping:
		st = status("Running", cond("False", "True"), cs(false, 7, `{"waiting": {"message": "back-off 5m0s restarting failed container=worker", "reason": "CrashLoopBackOff"}}`, term("Error", 2)))
	case sc == ImagePull:
		st = status("Pending", cond("False", "True"), cs(false, 0, `{"waiting": {"message": "Back-off pulling image \"registry.example/batch/worker:missing\"", "reason": "ImagePullBackOff"}}`, "{}"))
	case sc == Unschedulable:
		st = fmt.Sprintf(`{
                "conditions": [
                    {"lastProbeTime": null, "lastTransitionTime": %q, "message": "0/3 nodes are available: 3 Insufficient cpu.", "reason": "Unschedulable", "status": "False", "type": "PodScheduled"}
                ],
                "phase": "Pending",
                "qosClass": "Burstable"
            }`, created)
	default:
		st = status("Succeeded", cond("False", "True"), cs(false, 0, term("Completed", 0), "{}"))
	}
	return strings.NewReplacer(
		"{{NAME}}", name, "{{UID}}", id, "{{NS}}", g.o.Namespace, "{{JOB}}", job, "{{JOBUID}}", jobUID,
		"{{CREATED}}", created, "{{RV}}", strconv.Itoa(200000+i), "{{SHORT}}", id[:5],
		"{{IP}}", fmt.Sprintf("%d.%d", i/250, i%250), "{{STATUS}}", st,
	).Replace(podTemplate)
}

func (g *generator) event(name, kind, obj, objUID, typ, reason, msg string, i int, ago time.Duration) string {
	t := g.ts(ago)
	return fmt.Sprintf(`        {
            "apiVersion": "v1",
            "count": 1,
            "eventTime": null,
            "firstTimestamp": %q,
            "involvedObject": {
                "apiVersion": "%s",
                "kind": %q,
                "name": %q,
                "namespace": %q,
                "resourceVersion": "%d",
                "uid": %q
            },
            "kind": "Event",
            "lastTimestamp": %q,
            "message": %q,
            "metadata": {
                "creationTimestamp": %q,
                "name": %q,
                "namespace": %q,
                "resourceVersion": "%d",
                "uid": %q
            },
            "reason": %q,
            "reportingComponent": "",
            "reportingInstance": "",
            "source": {
                "component": "kubelet",
                "host": "node-1"
            },
            "type": %q
        }`, t, map[string]string{"Job": "batch/v1", "Pod": "v1"}[kind], kind, obj, g.o.Namespace, 300000+i, objUID, t, msg, t, name, g.o.Namespace, 400000+i, uid("event", i*16+len(name)), reason, typ)
}
