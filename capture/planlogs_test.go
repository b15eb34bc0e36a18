package capture

import (
	"reflect"
	"slices"
	"testing"

	"github.com/ksnap/ksnap/internal/kube"
)

// TestPlanLogsFailingReasons checks that --logs failed counts a waiting
// container as failing exactly for the reasons of the table the pod rules
// use (internal/kube): CrashLoopBackOff, the image pull reasons and the
// container config reasons; not for a container that is only starting.
func TestPlanLogsFailingReasons(t *testing.T) {
	t.Parallel()
	failing := append(append([]string{kube.CrashLoopBackOff}, kube.ImagePullReasons()...), kube.ContainerConfigReasons()...)
	reasons := append(slices.Clone(failing), "ContainerCreating", "PodInitializing", "")
	for _, r := range reasons {
		t.Run(r, func(t *testing.T) {
			t.Parallel()
			// Started once (a terminated lastState), never restarted: only
			// the waiting reason can make the pod failing.
			pods := `{"items":[{"metadata":{"name":"p"},"status":{"phase":"Pending","containerStatuses":[
				{"name":"c","restartCount":0,"state":{"waiting":{"reason":"` + r + `"}},"lastState":{"terminated":{"exitCode":0}}}]}}]}`
			plan, skips := PlanLogs([]byte(pods), LogsFailed)
			var want []LogCall
			if slices.Contains(failing, r) {
				want = []LogCall{{Pod: "p", Container: "c"}}
			}
			if len(skips) != 0 || !reflect.DeepEqual(plan, want) {
				t.Errorf("PlanLogs = %+v, %+v; want %+v, no skips", plan, skips, want)
			}
		})
	}
}
