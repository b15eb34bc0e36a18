package serve

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/tidwall/gjson"
)

// log answers pods/log from the captured tail: container (defaulted when
// the pod has one container, as the API does), previous, tailLines and
// limitBytes. follow returns the tail and closes. timestamps, sinceSeconds
// and sinceTime cannot be honoured (capture stored plain lines) and are
// refused with 400 rather than ignored.
func (h *Handler) log(w http.ResponseWriter, r *http.Request, pod *item) {
	q := r.URL.Query()
	for _, p := range []string{"timestamps", "sinceSeconds", "sinceTime"} {
		if v := q.Get(p); v != "" && v != "false" {
			badRequest(fmt.Sprintf("%s: %s is not available: logs were captured without timestamps", readOnlyPrefix, p)).write(w)
			return
		}
	}
	var names, inits []string
	for _, c := range pod.obj.Get("spec.containers").Array() {
		names = append(names, c.Get("name").String())
	}
	for _, path := range []string{"spec.initContainers", "spec.ephemeralContainers"} {
		for _, c := range pod.obj.Get(path).Array() {
			inits = append(inits, c.Get("name").String())
		}
	}
	container := q.Get("container")
	switch {
	case container == "" && len(names) == 1:
		container = names[0]
	case container == "":
		msg := fmt.Sprintf("a container name must be specified for pod %s, choose one of: [%s]", pod.name, strings.Join(names, " "))
		if len(inits) > 0 {
			msg += fmt.Sprintf(" or one of the init containers: [%s]", strings.Join(inits, " "))
		}
		badRequest(msg).write(w)
		return
	case !slices.Contains(names, container) && !slices.Contains(inits, container):
		badRequest(fmt.Sprintf("container %s is not valid for pod %s", container, pod.name)).write(w)
		return
	}
	if pod.obj.Get("spec.nodeName").String() == "" {
		// The API server's answer for a pod not yet scheduled: no node to
		// ask, so an empty log (kubectl logs prints nothing, exit 0).
		writeBody(w, http.StatusOK, "text/plain", nil)
		return
	}
	previous := q.Get("previous") == "true" || q.Get("previous") == "1"
	data, err := h.b.Member(bundle.LogMember(pod.name, container, previous))
	if err != nil {
		if !errors.Is(err, bundle.ErrNoMember) {
			(&status{Code: 500, Reason: "InternalError", Message: err.Error()}).write(w)
			return
		}
		if msg := kubeletRefusal(pod, container, previous); msg != "" {
			badRequest(msg).write(w)
			return
		}
		h.noLog(pod.name, container, previous).write(w)
		return
	}
	if s := q.Get("tailLines"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			badRequest(fmt.Sprintf("tailLines: invalid value %q", s)).write(w)
			return
		}
		data = tail(data, n)
	}
	if s := q.Get("limitBytes"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			badRequest(fmt.Sprintf("limitBytes: invalid value %q: must be greater than 0", s)).write(w)
			return
		}
		if int64(len(data)) > n {
			data = data[:n]
		}
	}
	writeBody(w, http.StatusOK, "text/plain", data)
}

// kubeletRefusal is the kubelet's refusal of the log of container for the
// container status the pod recorded (its validateContainerLogStatus, relayed
// by the API server as 400 BadRequest), or "" when the kubelet would have
// served a log. A bundle without a log of a container that never started
// (capture skips those) answers as the cluster would have: `kubectl logs`
// prints "Error from server (BadRequest): container "main" in pod "x" is
// waiting to start: trying and failing to pull image".
func kubeletRefusal(pod *item, container string, previous bool) string {
	var st gjson.Result
	for _, path := range []string{"status.containerStatuses", "status.initContainerStatuses", "status.ephemeralContainerStatuses"} {
		for _, c := range pod.obj.Get(path).Array() {
			if c.Get("name").String() == container && !st.Exists() {
				st = c
			}
		}
	}
	if !st.Exists() {
		return fmt.Sprintf("container %q in pod %q is not available", container, pod.name)
	}
	last := st.Get("lastState.terminated")
	lastID := last.Get("containerID").String()
	state := st.Get("state")
	switch {
	case previous:
		if lastID == "" {
			return fmt.Sprintf("previous terminated container %q in pod %q not found", container, pod.name)
		}
	case state.Get("running").Exists():
	case state.Get("terminated").Exists():
		if state.Get("terminated.containerID").String() == "" && lastID == "" {
			return fmt.Sprintf("container %q in pod %q is terminated", container, pod.name)
		}
	case last.Exists():
		if lastID == "" {
			return fmt.Sprintf("container %q in pod %q is terminated", container, pod.name)
		}
	case state.Get("waiting").Exists():
		switch reason := state.Get("waiting.reason").String(); reason {
		case "ErrImagePull":
			return fmt.Sprintf("container %q in pod %q is waiting to start: image can't be pulled", container, pod.name)
		case "ImagePullBackOff":
			return fmt.Sprintf("container %q in pod %q is waiting to start: trying and failing to pull image", container, pod.name)
		default:
			return fmt.Sprintf("container %q in pod %q is waiting to start: %s", container, pod.name, reason)
		}
	default:
		return fmt.Sprintf("container %q in pod %q is waiting to start - no logs yet", container, pod.name)
	}
	return ""
}

// tail is the last n lines of data (a final line without a newline counts).
func tail(data []byte, n int64) []byte {
	if n == 0 {
		return nil
	}
	end := len(data)
	if end > 0 && data[end-1] == '\n' {
		end--
	}
	for i := end - 1; i >= 0; i-- {
		if data[i] == '\n' {
			n--
			if n == 0 {
				return data[i+1:]
			}
		}
	}
	return data
}

// noLog says why the bundle has no such log: what the manifest recorded
// (a skip reason or the failed kubectl logs call), else that it was not
// captured.
func (h *Handler) noLog(pod, container string, previous bool) *status {
	which := "log"
	if previous {
		which = "previous log"
	}
	why := "it was not captured"
	for _, s := range h.b.Manifest.Skipped {
		if s.Pod == pod && s.Container == container {
			why = "capture skipped it: " + s.Reason
		}
	}
	kind := "log"
	if previous {
		kind = "previous-log"
	}
	for _, c := range h.b.Manifest.Commands {
		if c.Kind == kind && c.Pod == pod && c.Container == container && c.Failed() {
			why = "its capture " + c.Status
			if line := firstLine(c.Stderr); line != "" {
				why += ": " + line
			}
		}
	}
	return &status{Code: 404, Reason: "NotFound",
		Message: fmt.Sprintf("%s: no %s of container %s in pod %s: %s", readOnlyPrefix, which, container, pod, why),
		Details: &statusDetails{Name: pod, Kind: "pods"}}
}
