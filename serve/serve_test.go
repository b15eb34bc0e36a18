package serve

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/tidwall/gjson"
)

const (
	tableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
	scenario    = "scenarios/crashloop.tar.zst"
	namespace   = "scenarios/namespace.tar.zst"
	aggregated  = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"
)

// TestDiscoveryGolden pins every discovery and OpenAPI document, asked the
// way kubectl 1.32 asks (aggregated first, legacy JSON as its last choice).
func TestDiscoveryGolden(t *testing.T) {
	h := fixtureHandler(t, scenario)
	var out strings.Builder
	for _, p := range []string{"/api", "/apis", "/api/v1", "/apis/batch", "/apis/batch/v1", "/apis/events.k8s.io/v1", "/version", "/openapi/v3", "/openapi/v3/api/v1", "/openapi/v3/apis/batch/v1", "/openapi/v2", "/apis/apps/v1", "/healthz"} {
		code, body := do(t, h, "GET", "http://127.0.0.1:8080"+p, aggregated)
		fmt.Fprintf(&out, "GET %s -> %d\n%s\n", p, code, body)
	}
	checkGolden(t, "discovery.golden", []byte(out.String()))
}

// renderTable prints a Table response as kubectl would with -o wide, plus
// the row conditions, so goldens show every column the server sends.
func renderTable(t *testing.T, body string) string {
	t.Helper()
	if !gjson.Valid(body) || gjson.Get(body, "kind").String() != "Table" {
		t.Fatalf("not a Table: %.300s", body)
	}
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 8, 2, ' ', 0)
	var head []string
	for _, c := range gjson.Get(body, "columnDefinitions").Array() {
		h := strings.ToUpper(c.Get("name").String())
		if c.Get("priority").Int() > 0 {
			h += "*"
		}
		head = append(head, h)
	}
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, r := range gjson.Get(body, "rows").Array() {
		var cells []string
		for _, c := range r.Get("cells").Array() {
			cells = append(cells, c.String())
		}
		line := strings.Join(cells, "\t")
		if c := r.Get("conditions.0.reason").String(); c != "" {
			line += "\t[" + c + "]"
		}
		fmt.Fprintln(tw, line)
	}
	tw.Flush()
	return b.String()
}

// TestTableGolden: the Table of every served resource for every fixture,
// at capture time (columns marked * are -o wide only).
func TestTableGolden(t *testing.T) {
	paths := append(fixturePaths(t, "scenarios"), fixturePaths(t, "realdata")...)
	for _, p := range paths {
		t.Run(stem(p), func(t *testing.T) {
			t.Parallel()
			b := fixtureBundle(t, p)
			h, err := New(b)
			if err != nil {
				t.Fatal(err)
			}
			var out strings.Builder
			fmt.Fprintf(&out, "bundle %s captured %s namespace %s\n", p, b.Manifest.CapturedAt, b.Manifest.Namespace)
			for _, r := range []string{"/api/v1/pods", "/apis/batch/v1/jobs", "/api/v1/events", "/apis/events.k8s.io/v1/events"} {
				code, body := do(t, h, "GET", r, tableAccept)
				fmt.Fprintf(&out, "\n== %s (%d)\n", r, code)
				if code != http.StatusOK {
					fmt.Fprintln(&out, gjson.Get(body, "message").String())
					continue
				}
				out.WriteString(renderTable(t, body))
			}
			checkGolden(t, "tables/"+stem(p)+".txt", []byte(out.String()))
		})
	}
}

// TestListItemsAreTheBundlesBytes: a JSON list re-wraps the captured
// items, byte for byte, in the List the API returns.
func TestListItemsAreTheBundlesBytes(t *testing.T) {
	for _, p := range fixturePaths(t, "scenarios") {
		b := fixtureBundle(t, p)
		h, _ := New(b)
		for _, tt := range []struct{ path, member, kind string }{
			{"/api/v1/namespaces/" + b.Manifest.Namespace + "/pods", "pods.json", "PodList"},
			{"/apis/batch/v1/namespaces/" + b.Manifest.Namespace + "/jobs", "jobs.json", "JobList"},
		} {
			code, body := do(t, h, "GET", tt.path, "application/json")
			if c, _ := b.Manifest.Command(strings.TrimSuffix(tt.member, ".json")); c.Failed() {
				if code != 503 {
					t.Errorf("%s %s: %d for a failed capture, want 503", p, tt.path, code)
				}
				continue
			}
			if code != 200 {
				t.Fatalf("%s %s: %d %s", p, tt.path, code, body)
			}
			data, _ := b.Member(tt.member)
			var want, got []string
			gjson.GetBytes(data, "items").ForEach(func(_, v gjson.Result) bool { want = append(want, v.Raw); return true })
			gjson.Get(body, "items").ForEach(func(_, v gjson.Result) bool { got = append(got, v.Raw); return true })
			sort.Strings(want)
			sort.Strings(got)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s %s: items differ from the bundle's bytes", p, tt.path)
			}
			if k := gjson.Get(body, "kind").String(); k != tt.kind || gjson.Get(body, "metadata.resourceVersion").String() == "" {
				t.Errorf("%s %s: kind %q, metadata %s", p, tt.path, k, gjson.Get(body, "metadata").Raw)
			}
		}
	}
}

// TestMissingTypeMetaAdded: items without kind and apiVersion (a kubelet
// pod list) get both, and nothing else changes.
func TestMissingTypeMetaAdded(t *testing.T) {
	b := fixtureBundle(t, "realdata/nri-k8s1.20-kubelet-podlist-failjob.tar.zst")
	h, _ := New(b)
	data, _ := b.Member("pods.json")
	items, _ := listItems(data)
	if len(items) == 0 || items[0].Get("kind").Exists() {
		t.Fatal("fixture changed: want pod items without kind")
	}
	for _, it := range items {
		ns, name := it.Get("metadata.namespace").String(), it.Get("metadata.name").String()
		_, body := do(t, h, "GET", "/api/v1/namespaces/"+ns+"/pods/"+name, "")
		var got, want map[string]any
		json.Unmarshal([]byte(body), &got)
		json.Unmarshal([]byte(it.Raw), &want)
		if got["kind"] != "Pod" || got["apiVersion"] != "v1" {
			t.Fatalf("%s: kind %v apiVersion %v", name, got["kind"], got["apiVersion"])
		}
		delete(got, "kind")
		delete(got, "apiVersion")
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: more than kind and apiVersion changed", name)
		}
	}
	if got := withTypeMeta(gjson.Parse(" { } "), resources[0]).Raw; got != `{"apiVersion":"v1","kind":"Pod"}` {
		t.Errorf("empty object: %s", got)
	}
}

func names(body string) []string {
	var out []string
	for _, r := range gjson.Get(body, "items.#.metadata.name").Array() {
		out = append(out, r.String())
	}
	return out
}

func TestSelectors(t *testing.T) {
	h := fixtureHandler(t, namespace)
	pods := "/api/v1/namespaces/ksnap-e2e/pods"
	events := "/api/v1/namespaces/ksnap-e2e/events"
	tests := []struct {
		name     string
		path     string
		query    string
		wantCode int
		want     []string // item names, or the error message
	}{
		{"label equals", pods, "labelSelector=ktest.ksnap.io/scenario%3Doom", 200, []string{"e2e-oom-cgdv8"}},
		{"label double equals", pods, "labelSelector=" + url.QueryEscape("ktest.ksnap.io/scenario==oom"), 200, []string{"e2e-oom-cgdv8"}},
		{"label in", pods, "labelSelector=" + url.QueryEscape("ktest.ksnap.io/scenario in (oom,succeed)"), 200, []string{"e2e-oom-cgdv8", "e2e-succeed-dk8s2"}},
		{"label notin and not equal", pods, "labelSelector=" + url.QueryEscape("ktest.ksnap.io/scenario notin (oom,succeed,retrying),ktest.ksnap.io/scenario!=backoff"), 200,
			[]string{"e2e-crashloop-zcjw6", "e2e-exitcode-h2bdz", "e2e-imagepull-pkcfh", "e2e-pending-9t228"}},
		{"label exists", pods, "labelSelector=batch.kubernetes.io/job-name", 200,
			[]string{"e2e-backoff-6dhvs", "e2e-crashloop-zcjw6", "e2e-exitcode-h2bdz", "e2e-imagepull-pkcfh", "e2e-oom-cgdv8", "e2e-pending-9t228", "e2e-retrying-0-dpmv7", "e2e-retrying-0-g5zlt", "e2e-succeed-dk8s2"}},
		{"label not exists", pods, "labelSelector=" + url.QueryEscape("!batch.kubernetes.io/job-name"), 200, nil},
		{"label bad", pods, "labelSelector=" + url.QueryEscape("a in b"), 400, []string{`unable to parse requirement: found "b", expected: '('`}},
		{"field name", pods, "fieldSelector=metadata.name%3De2e-oom-cgdv8", 200, []string{"e2e-oom-cgdv8"}},
		{"field phase", pods, "fieldSelector=status.phase%3DSucceeded", 200, []string{"e2e-succeed-dk8s2"}},
		{"field phase not and namespace", pods, "fieldSelector=" + url.QueryEscape("status.phase!=Failed,status.phase!=Pending,metadata.namespace=ksnap-e2e"), 200,
			[]string{"e2e-crashloop-zcjw6", "e2e-retrying-0-g5zlt", "e2e-succeed-dk8s2"}},
		{"field unsupported", pods, "fieldSelector=spec.foo%3Dx", 400, []string{"field label not supported: spec.foo"}},
		{"describe's event search", events, "fieldSelector=" + url.QueryEscape("involvedObject.name=e2e-oom,involvedObject.namespace=ksnap-e2e,involvedObject.kind=Job,involvedObject.uid=") + uidOf(t, h, "/apis/batch/v1/namespaces/ksnap-e2e/jobs/e2e-oom"), 200,
			eventNames(t, h, "Job", "e2e-oom")},
		{"event type and reason", events, "fieldSelector=" + url.QueryEscape("type=Warning,reason=BackoffLimitExceeded"), 200, warnings(t, h, "BackoffLimitExceeded")},
		{"other namespace is empty", "/api/v1/namespaces/elsewhere/pods", "", 200, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := do(t, h, "GET", tt.path+"?"+tt.query, "application/json")
			if code != tt.wantCode {
				t.Fatalf("code %d, want %d: %s", code, tt.wantCode, body)
			}
			got := names(body)
			if code != 200 {
				got = []string{gjson.Get(body, "message").String()}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func uidOf(t *testing.T, h *Handler, p string) string {
	_, body := do(t, h, "GET", p, "")
	return gjson.Get(body, "metadata.uid").String()
}

// eventNames and warnings compute the expected answers independently, by
// scanning every event.
func eventNames(t *testing.T, h *Handler, kind, name string) []string {
	_, body := do(t, h, "GET", "/api/v1/namespaces/ksnap-e2e/events", "")
	var out []string
	for _, e := range gjson.Get(body, "items").Array() {
		if e.Get("involvedObject.kind").String() == kind && e.Get("involvedObject.name").String() == name {
			out = append(out, e.Get("metadata.name").String())
		}
	}
	if len(out) == 0 {
		t.Fatalf("no events of %s/%s in the fixture", kind, name)
	}
	return out
}

func warnings(t *testing.T, h *Handler, reason string) []string {
	_, body := do(t, h, "GET", "/api/v1/namespaces/ksnap-e2e/events", "")
	var out []string
	for _, e := range gjson.Get(body, "items").Array() {
		if e.Get("type").String() == "Warning" && e.Get("reason").String() == reason {
			out = append(out, e.Get("metadata.name").String())
		}
	}
	return out
}

func TestGet(t *testing.T) {
	h := fixtureHandler(t, scenario)
	tests := []struct {
		name, path, accept string
		wantCode           int
		want               string // gjson path=value, or the message
	}{
		{"pod", "/api/v1/namespaces/ksnap-e2e/pods/e2e-crashloop-zcjw6", "", 200, "e2e-crashloop-zcjw6"},
		{"job", "/apis/batch/v1/namespaces/ksnap-e2e/jobs/e2e-crashloop", "application/json, */*", 200, "e2e-crashloop"},
		{"missing pod", "/api/v1/namespaces/ksnap-e2e/pods/nope", "", 404, `pods "nope" not found`},
		{"missing job", "/apis/batch/v1/namespaces/ksnap-e2e/jobs/nope", "", 404, `jobs.batch "nope" not found`},
		{"other namespace", "/api/v1/namespaces/default/pods/e2e-crashloop-zcjw6", "", 404, `pods "e2e-crashloop-zcjw6" not found`},
		{"protobuf only", "/api/v1/namespaces/ksnap-e2e/pods/e2e-crashloop-zcjw6", "application/vnd.kubernetes.protobuf", 406, "this is a ksnap bundle: only application/json (plain, as=Table or as=PartialObjectMetadata) is served"},
		{"unknown resource", "/api/v1/namespaces/ksnap-e2e/secrets/x", "", 404, "the server could not find the requested resource"},
		{"unknown group", "/apis/apps/v1/namespaces/ksnap-e2e/deployments", "", 404, "the server could not find the requested resource"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := do(t, h, "GET", tt.path, tt.accept)
			if code != tt.wantCode {
				t.Fatalf("code %d, want %d: %s", code, tt.wantCode, body)
			}
			got := gjson.Get(body, "metadata.name").String()
			if code != 200 {
				got = gjson.Get(body, "message").String()
				if gjson.Get(body, "kind").String() != "Status" || gjson.Get(body, "code").Int() != int64(code) {
					t.Errorf("not a Status for %d: %s", code, body)
				}
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTableIncludeObject(t *testing.T) {
	h := fixtureHandler(t, scenario)
	p := "/api/v1/namespaces/ksnap-e2e/pods/e2e-crashloop-zcjw6"
	tests := []struct{ query, want string }{
		{"", "PartialObjectMetadata"},
		{"?includeObject=Metadata", "PartialObjectMetadata"},
		{"?includeObject=Object", "Pod"},
		{"?includeObject=None", ""},
	}
	for _, tt := range tests {
		code, body := do(t, h, "GET", p+tt.query, tableAccept)
		if got := gjson.Get(body, "rows.0.object.kind").String(); code != 200 || got != tt.want {
			t.Errorf("%q: code %d, object kind %q, want %q", tt.query, code, got, tt.want)
		}
	}
	if code, body := do(t, h, "GET", p+"?includeObject=All", tableAccept); code != 400 {
		t.Errorf("includeObject=All: %d %s", code, body)
	}
	code, body := do(t, h, "GET", p, "application/json;as=Table;v=v1beta1;g=meta.k8s.io")
	if code != 200 || gjson.Get(body, "apiVersion").String() != "meta.k8s.io/v1beta1" {
		t.Errorf("v1beta1 Table: %d %.200s", code, body)
	}
}

func TestWriteVerbsRefused(t *testing.T) {
	h := fixtureHandler(t, scenario)
	for _, method := range []string{"POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT"} {
		for _, p := range []string{"/api/v1/namespaces/ksnap-e2e/pods", "/api/v1/namespaces/ksnap-e2e/pods/e2e-crashloop-zcjw6", "/apis/batch/v1/namespaces/ksnap-e2e/jobs/e2e-crashloop/scale", "/api/v1/namespaces/ksnap-e2e/pods/x/eviction", "/api"} {
			code, body := do(t, h, method, p, "")
			want := fmt.Sprintf("this is a ksnap bundle: read-only (%s %s refused)", method, p)
			if code != 405 || gjson.Get(body, "message").String() != want || gjson.Get(body, "reason").String() != "MethodNotAllowed" || gjson.Get(body, "kind").String() != "Status" {
				t.Errorf("%s %s: %d %s", method, p, code, body)
			}
		}
	}
}

func TestLogs(t *testing.T) {
	h := fixtureHandler(t, scenario)
	b := h.b
	full, _ := b.Member(bundle.LogMember("e2e-crashloop-zcjw6", "main", false))
	prev, _ := b.Member(bundle.LogMember("e2e-crashloop-zcjw6", "main", true))
	p := "/api/v1/namespaces/ksnap-e2e/pods/e2e-crashloop-zcjw6/log"
	tests := []struct {
		name, query string
		wantCode    int
		want        string
	}{
		{"default container", "", 200, string(full)},
		{"container", "?container=main", 200, string(full)},
		{"previous", "?container=main&previous=true", 200, string(prev)},
		{"tail 1", "?tailLines=1", 200, "ksnap-e2e: last line before exit\n"},
		{"tail 0", "?tailLines=0", 200, ""},
		{"tail more than there is", "?tailLines=500", 200, string(full)},
		{"limit bytes", "?limitBytes=9", 200, "ksnap-e2e"},
		{"follow returns the tail", "?follow=true", 200, string(full)},
		{"bad container", "?container=side", 400, "container side is not valid for pod e2e-crashloop-zcjw6"},
		{"timestamps", "?timestamps=true", 400, "this is a ksnap bundle: timestamps is not available: logs were captured without timestamps"},
		{"bad tail", "?tailLines=x", 400, `tailLines: invalid value "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := do(t, h, "GET", p+tt.query, "")
			if code != 200 {
				body = gjson.Get(body, "message").String()
			}
			if code != tt.wantCode || body != tt.want {
				t.Errorf("got %d %q, want %d %q", code, body, tt.wantCode, tt.want)
			}
		})
	}
	img := fixtureHandler(t, "scenarios/imagepull.tar.zst")
	code, body := do(t, img, "GET", "/api/v1/namespaces/ksnap-e2e/pods/e2e-imagepull-pkcfh/log", "")
	if want := `container "main" in pod "e2e-imagepull-pkcfh" is waiting to start: trying and failing to pull image`; code != 400 || gjson.Get(body, "message").String() != want {
		t.Errorf("log of a container that never started: %d %s", code, body)
	}
	pending := fixtureHandler(t, "scenarios/pending.tar.zst")
	pods, err := pending.b.Member("pods.json")
	if err != nil {
		t.Fatal(err)
	}
	pod := gjson.GetBytes(pods, "items.0.metadata.name").String()
	if code, body := do(t, pending, "GET", "/api/v1/namespaces/ksnap-e2e/pods/"+pod+"/log", ""); code != 200 || body != "" {
		t.Errorf("log of an unscheduled pod: %d %q, want 200 and empty (the API server's answer)", code, body)
	}
	code, body = do(t, h, "GET", "/api/v1/namespaces/ksnap-e2e/pods/nope/log", "")
	if code != 404 || gjson.Get(body, "message").String() != `pods "nope" not found` {
		t.Errorf("log of a missing pod: %d %s", code, body)
	}
}

func TestTail(t *testing.T) {
	tests := []struct {
		in   string
		n    int64
		want string
	}{
		{"a\nb\nc\n", 2, "b\nc\n"},
		{"a\nb\nc", 2, "b\nc"},
		{"a\nb\nc\n", 3, "a\nb\nc\n"},
		{"a\nb\nc\n", 9, "a\nb\nc\n"},
		{"", 1, ""},
		{"a\n", 0, ""},
	}
	for _, tt := range tests {
		if got := string(tail([]byte(tt.in), tt.n)); got != tt.want {
			t.Errorf("tail(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

func TestWatch(t *testing.T) {
	h := fixtureHandler(t, namespace)
	p := "/api/v1/namespaces/ksnap-e2e/pods?watch=true"
	code, body := do(t, h, "GET", p, "")
	lines := strings.Split(strings.TrimSuffix(body, "\n"), "\n")
	if code != 200 || len(lines) != 9 {
		t.Fatalf("watch: %d, %d lines", code, len(lines))
	}
	for _, l := range lines {
		if gjson.Get(l, "type").String() != "ADDED" || gjson.Get(l, "object.kind").String() != "Pod" {
			t.Errorf("event %.120s", l)
		}
	}
	_, list := do(t, h, "GET", "/api/v1/namespaces/ksnap-e2e/pods", "")
	rv := gjson.Get(list, "metadata.resourceVersion").String()
	if code, body := do(t, h, "GET", p+"&resourceVersion="+rv, ""); code != 200 || body != "" {
		t.Errorf("watch from the list's resourceVersion: %d %q", code, body)
	}
	_, body = do(t, h, "GET", p+"&labelSelector=ktest.ksnap.io/scenario%3Doom", tableAccept)
	if lines := strings.Split(strings.TrimSpace(body), "\n"); len(lines) != 1 || gjson.Get(lines[0], "object.kind").String() != "Table" ||
		gjson.Get(lines[0], "object.rows.0.cells.0").String() != "e2e-oom-cgdv8" || len(gjson.Get(lines[0], "object.columnDefinitions").Array()) != len(podColumns) {
		t.Errorf("table watch: %s", body)
	}
}

func TestNotCaptured(t *testing.T) {
	h := fixtureHandler(t, "scenarios/events-forbidden.tar.zst")
	code, body := do(t, h, "GET", "/api/v1/namespaces/ksnap-e2e/events", "")
	if code != 403 || !strings.HasPrefix(gjson.Get(body, "message").String(), "this is a ksnap bundle: the bundle has no events: its capture ") {
		t.Errorf("%d %s", code, body)
	}
}

func TestHumanDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{-2 * time.Second, "<invalid>"}, {-time.Second, "0s"}, {0, "0s"}, {119 * time.Second, "119s"},
		{2 * time.Minute, "2m"}, {3*time.Minute + 20*time.Second, "3m20s"}, {10 * time.Minute, "10m"},
		{179 * time.Minute, "179m"}, {3 * time.Hour, "3h"}, {7*time.Hour + 59*time.Minute, "7h59m"},
		{47 * time.Hour, "47h"}, {48 * time.Hour, "2d"}, {7*24*time.Hour + 23*time.Hour, "7d23h"},
		{8 * 24 * time.Hour, "8d"}, {2 * 365 * 24 * time.Hour, "2y"}, {(2*365 + 5) * 24 * time.Hour, "2y5d"},
		{9 * 365 * 24 * time.Hour, "9y"},
	}
	for _, tt := range tests {
		if got := humanDuration(tt.d); got != tt.want {
			t.Errorf("humanDuration(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestFormatLabelSelector(t *testing.T) {
	tests := []struct{ sel, want string }{
		{`{}`, "<none>"},
		{`{"matchLabels":{"b":"2","a":"1"}}`, "a=1,b=2"},
		{`{"matchExpressions":[{"key":"z","operator":"In","values":["y","x"]},{"key":"c","operator":"DoesNotExist"},{"key":"d","operator":"Exists"},{"key":"e","operator":"NotIn","values":["1"]}]}`, "!c,d,e notin (1),z in (x,y)"},
		{`{"matchExpressions":[{"key":"z","operator":"Bogus"}]}`, "<error>"},
	}
	for _, tt := range tests {
		if got := formatLabelSelector(gjson.Parse(tt.sel)); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.sel, got, tt.want)
		}
	}
}

func TestPick(t *testing.T) {
	dir := t.TempDir()
	var times []time.Time
	for _, p := range []string{"scenarios/backoff.tar.zst", "scenarios/crashloop.tar.zst", "scenarios/succeed.tar.zst"} {
		b := fixtureBundle(t, p)
		data, _ := b.Member(bundle.ManifestMember)
		_ = data
		raw, err := os.ReadFile(filepath.Join("..", "fixtures", p))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(p)), raw, 0o644); err != nil {
			t.Fatal(err)
		}
		ct, _ := b.Manifest.CaptureTime()
		times = append(times, ct)
	}
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	capturedAt := func(path string) time.Time {
		m, err := bundle.PeekManifest(path)
		if err != nil {
			t.Fatal(err)
		}
		ct, _ := m.CaptureTime()
		return ct
	}
	for i, at := range times {
		got, err := Pick(dir, at)
		if err != nil || !capturedAt(got).Equal(at) {
			t.Errorf("at %v: %s %v", at, got, err)
		}
		if i > 0 {
			got, err := Pick(dir, at.Add(-time.Nanosecond))
			if err != nil || !capturedAt(got).Equal(times[i-1]) {
				t.Errorf("just before %v: %s %v", at, got, err)
			}
		}
	}
	if got, err := Pick(dir, time.Time{}); err != nil || !capturedAt(got).Equal(times[len(times)-1]) {
		t.Errorf("newest: %s %v", got, err)
	}
	if _, err := Pick(dir, times[0].Add(-time.Second)); err == nil || !strings.Contains(err.Error(), ErrNoBundleAt.Error()) {
		t.Errorf("before all: %v", err)
	}
}

func TestKubeconfig(t *testing.T) {
	b := fixtureBundle(t, scenario)
	got := string(Kubeconfig("http://127.0.0.1:4321", b.Manifest))
	want := `apiVersion: v1
kind: Config
clusters:
- name: "ksnap-ksnap-e2e@20261123T092613Z"
  cluster:
    server: "http://127.0.0.1:4321"
contexts:
- name: "ksnap-ksnap-e2e@20261123T092613Z"
  context:
    cluster: "ksnap-ksnap-e2e@20261123T092613Z"
    namespace: "ksnap-e2e"
    user: ksnap
current-context: "ksnap-ksnap-e2e@20261123T092613Z"
users:
- name: ksnap
  user: {}
preferences: {}
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestLabelSelectorParse(t *testing.T) {
	tests := []struct {
		in      string
		want    labelSelector
		wantErr string
	}{
		{"", nil, ""},
		{"a=b,c!=d", labelSelector{{"a", opEq, []string{"b"}}, {"c", opNotEq, []string{"d"}}}, ""},
		{"x in (b, a),!y,z", labelSelector{{"x", opIn, []string{"a", "b"}}, {"y", opNotExists, nil}, {"z", opExists, nil}}, ""},
		{"k notin ()", labelSelector{{"k", opNotIn, []string{""}}}, ""},
		{"a=b,", nil, "unable to parse requirement: found '', expected: identifier"},
		{"a b", nil, `unable to parse requirement: invalid label key "a b": name part must consist of alphanumeric characters, '-', '_' or '.'`},
	}
	for _, tt := range tests {
		got, err := parseLabelSelector(tt.in)
		if (err == nil) != (tt.wantErr == "") || (err != nil && err.Error() != tt.wantErr) || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseLabelSelector(%q) = %v, %v; want %v, %q", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestFieldSelectorParse(t *testing.T) {
	all := func(string) bool { return true }
	got, err := parseFieldSelector(`a=b\,c,d!=e,f==g\=h`, all)
	want := fieldSelector{{"a", opEq, []string{"b,c"}}, {"d", opNotEq, []string{"e"}}, {"f", opEq, []string{"g=h"}}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("got %v %v", got, err)
	}
	if _, err := parseFieldSelector("nope", all); err == nil || err.Error() != "invalid selector: 'nope'; can't understand 'nope'" {
		t.Errorf("got %v", err)
	}
}

func FuzzSelectors(f *testing.F) {
	for _, s := range []string{"a=b", "a in (x,y),!b", "k notin (a", "a!=b,c==d", `x=\,`, "(", ",,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ls, err := parseLabelSelector(s); err == nil {
			ls.matches(map[string]string{"a": "b"})
		}
		if fs, err := parseFieldSelector(s, func(string) bool { return true }); err == nil {
			fs.matches(func(string) string { return "" })
		}
	})
}

// FuzzHandler: any path, query and Accept header gets an answer, never a
// panic, and every error answer is a Status.
func FuzzHandler(f *testing.F) {
	h := fixtureHandler(f, namespace)
	for _, s := range [][3]string{
		{"/api/v1/namespaces/ksnap-e2e/pods", "labelSelector=a+in+(b", tableAccept},
		{"/api/v1/namespaces/ksnap-e2e/pods/e2e-oom-cgdv8/log", "tailLines=-1&container=x", ""},
		{"/apis/batch/v1/jobs", "watch=true&fieldSelector=status.successful%3D1", "application/json;as=Table;g=meta.k8s.io;v=v1"},
		{"/api/v1/events", "fieldSelector=involvedObject.name%3D%5C", "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"},
		{"//apis/", "", "*/*"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, p, q, accept string) {
		req := &http.Request{Method: "GET", URL: &url.URL{Path: p, RawQuery: q}, Header: http.Header{"Accept": {accept}}}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 && gjson.Get(rec.Body.String(), "kind").String() != "Status" {
			t.Errorf("%s?%s: %d without a Status: %.200s", p, q, rec.Code, rec.Body.String())
		}
	})
}

// TestDeterministic: the same request twice gives the same bytes.
func TestDeterministic(t *testing.T) {
	h := fixtureHandler(t, namespace)
	for _, p := range []string{"/api/v1/events", "/api/v1/pods", "/apis/batch/v1/jobs", "/openapi/v3"} {
		_, a := do(t, h, "GET", p, tableAccept)
		_, b := do(t, h, "GET", p, tableAccept)
		if a != b {
			t.Errorf("%s: two answers differ", p)
		}
		var v any
		if err := json.Unmarshal([]byte(a), &v); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}
