// Package serve answers the read-only part of the Kubernetes API that
// kubectl needs, from one stored bundle: discovery, /version, list, get and
// watch of the captured jobs, pods and events (with label and field
// selectors and server-side Table output), and pods/log from the captured
// log tails. It owns the HTTP surface of `ksnap serve` and its listener (cmd
// may not import net; scripts/check-imports allows serve/...).
//
// Objects are the bundle's bytes: each item is served exactly as kubectl
// stored it, re-wrapped only in the List the API returns. Table ages are
// relative to the bundle's capture time, so `kubectl get` prints what it
// printed against the cluster at capture time; the handler never reads the
// wall clock. Every write verb is refused with 405. It must not reach a
// cluster, run kubectl, or change the bundle.
package serve

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/tidwall/gjson"
)

// readOnlyPrefix starts every message that is ksnap's, not the cluster's.
const readOnlyPrefix = "this is a ksnap bundle"

// ReadOnlyMessage is the message of the 405 answered to every write verb.
const ReadOnlyMessage = readOnlyPrefix + ": read-only"

// Handler serves one bundle. It is safe for concurrent use: everything is
// computed at New and only read afterwards.
type Handler struct {
	b       *bundle.Bundle
	now     time.Time
	cols    []*collection // in resources order
	version []byte        // serverVersion of version.json, nil if not captured
}

// New builds the handler over an opened bundle. It fails when a captured
// list is not the JSON kubectl writes (the error names the member).
func New(b *bundle.Bundle) (*Handler, error) {
	now, err := b.Manifest.CaptureTime()
	if err != nil {
		return nil, fmt.Errorf("%s: member %s: captured_at: %w", b.Path, bundle.ManifestMember, err)
	}
	h := &Handler{b: b, now: now}
	for _, r := range resources {
		c, err := load(b, r)
		if err != nil {
			return nil, err
		}
		h.cols = append(h.cols, c)
	}
	if cmd, ok := b.Manifest.Command("version"); ok && !cmd.Failed() {
		if data, err := b.Member(cmd.Member); err == nil {
			if v := gjson.GetBytes(data, "serverVersion"); v.IsObject() {
				h.version = []byte(v.Raw)
			}
		}
	}
	return h, nil
}

// status is a metav1.Status failure.
type status struct {
	Code    int
	Reason  string
	Message string
	Details *statusDetails
}

type statusDetails struct {
	Name  string `json:"name,omitempty"`
	Group string `json:"group,omitempty"`
	Kind  string `json:"kind,omitempty"`
}

func (s *status) write(w http.ResponseWriter) {
	body, _ := json.Marshal(struct {
		Kind       string         `json:"kind"`
		APIVersion string         `json:"apiVersion"`
		Metadata   struct{}       `json:"metadata"`
		Status     string         `json:"status"`
		Message    string         `json:"message"`
		Reason     string         `json:"reason"`
		Details    *statusDetails `json:"details,omitempty"`
		Code       int            `json:"code"`
	}{"Status", "v1", struct{}{}, "Failure", s.Message, s.Reason, s.Details, s.Code})
	writeBody(w, s.Code, "application/json", append(body, '\n'))
}

func writeBody(w http.ResponseWriter, code int, contentType string, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	w.Write(body)
}

func writeJSON(w http.ResponseWriter, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		(&status{Code: 500, Reason: "InternalError", Message: err.Error()}).write(w)
		return
	}
	writeBody(w, http.StatusOK, "application/json", append(body, '\n'))
}

func notFound() *status {
	return &status{Code: 404, Reason: "NotFound", Message: "the server could not find the requested resource"}
}

func badRequest(msg string) *status {
	return &status{Code: 400, Reason: "BadRequest", Message: msg}
}

// ServeHTTP routes one request. Only GET and HEAD are served.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		(&status{Code: 405, Reason: "MethodNotAllowed",
			Message: fmt.Sprintf("%s (%s %s refused)", ReadOnlyMessage, r.Method, r.URL.Path)}).write(w)
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.URL.Path == "/version":
		if h.version == nil {
			(&status{Code: 404, Reason: "NotFound", Message: readOnlyPrefix + ": the server version was not captured"}).write(w)
			return
		}
		writeBody(w, http.StatusOK, "application/json", append(append([]byte(nil), h.version...), '\n'))
	case r.URL.Path == "/openapi/v3" || strings.HasPrefix(r.URL.Path, "/openapi/v3/"):
		serveOpenAPI(w, r.URL.Path)
	case r.URL.Path == "/api":
		writeJSON(w, apiVersions(r.Host))
	case r.URL.Path == "/apis":
		writeJSON(w, groupList())
	case parts[0] == "api" && len(parts) >= 2:
		h.groupVersion(w, r, "", parts[1], parts[2:])
	case parts[0] == "apis" && len(parts) == 2:
		if g, ok := apiGroup(parts[1]); ok {
			writeJSON(w, g)
			return
		}
		notFound().write(w)
	case parts[0] == "apis" && len(parts) >= 3:
		h.groupVersion(w, r, parts[1], parts[2], parts[3:])
	default:
		// /openapi/v2 included: kubectl get, describe and logs do not
		// need it, and treat 404 as "no OpenAPI" (see openapi.go).
		notFound().write(w)
	}
}

func (h *Handler) groupVersion(w http.ResponseWriter, r *http.Request, group, version string, rest []string) {
	var cols []*collection
	for _, c := range h.cols {
		if c.res.group == group && c.res.version == version {
			cols = append(cols, c)
		}
	}
	if len(cols) == 0 {
		notFound().write(w)
		return
	}
	find := func(plural string) *collection {
		for _, c := range cols {
			if c.res.plural == plural {
				return c
			}
		}
		return nil
	}
	switch {
	case len(rest) == 0:
		writeJSON(w, resourceList(cols))
	case len(rest) == 1 && find(rest[0]) != nil:
		h.list(w, r, find(rest[0]), "")
	case len(rest) == 3 && rest[0] == "namespaces" && find(rest[2]) != nil:
		h.list(w, r, find(rest[2]), rest[1])
	case len(rest) == 4 && rest[0] == "namespaces" && find(rest[2]) != nil:
		h.get(w, r, find(rest[2]), rest[1], rest[3])
	case len(rest) == 5 && rest[0] == "namespaces" && rest[2] == "pods" && rest[4] == "log" && find("pods") != nil:
		c := find("pods")
		if st := c.missing; st != nil {
			st.write(w)
			return
		}
		it := c.lookup(rest[1], rest[3])
		if it == nil {
			c.notFound(rest[3]).write(w)
			return
		}
		h.log(w, r, it)
	default:
		notFound().write(w)
	}
}

func (c *collection) lookup(ns, name string) *item {
	for i := range c.items {
		if c.items[i].namespace == ns && c.items[i].name == name {
			return &c.items[i]
		}
	}
	return nil
}

func (c *collection) notFound(name string) *status {
	return &status{Code: 404, Reason: "NotFound",
		Message: fmt.Sprintf("%s %q not found", c.res.qualified(), name),
		Details: &statusDetails{Name: name, Group: c.res.group, Kind: c.res.plural}}
}

// format is what the Accept header asked for.
type format struct {
	table   bool   // as=Table
	meta    bool   // as=PartialObjectMetadata(List)
	version string // meta.k8s.io version for table and meta
}

// negotiate picks the first media type of Accept that the handler can
// produce: JSON, or JSON as a Table or PartialObjectMetadata of
// meta.k8s.io v1 or v1beta1. Protobuf and YAML are never produced.
func negotiate(accept string) (format, bool) {
	if strings.TrimSpace(accept) == "" {
		return format{}, true
	}
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil || (mt != "application/json" && mt != "*/*" && mt != "application/*") {
			continue
		}
		as := params["as"]
		if as == "" {
			return format{}, true
		}
		if params["g"] != "meta.k8s.io" || (params["v"] != "v1" && params["v"] != "v1beta1") {
			continue
		}
		switch as {
		case "Table":
			return format{table: true, version: params["v"]}, true
		case "PartialObjectMetadata", "PartialObjectMetadataList":
			return format{meta: true, version: params["v"]}, true
		}
	}
	return format{}, false
}

func notAcceptable() *status {
	return &status{Code: 406, Reason: "NotAcceptable",
		Message: readOnlyPrefix + ": only application/json (plain, as=Table or as=PartialObjectMetadata) is served"}
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request, c *collection, ns string) {
	if c.missing != nil {
		c.missing.write(w)
		return
	}
	q := r.URL.Query()
	ls, err := parseLabelSelector(q.Get("labelSelector"))
	if err != nil {
		badRequest(err.Error()).write(w)
		return
	}
	fs, err := parseFieldSelector(q.Get("fieldSelector"), func(f string) bool { _, ok := c.res.fields[f]; return ok })
	if err != nil {
		badRequest(err.Error()).write(w)
		return
	}
	f, ok := negotiate(r.Header.Get("Accept"))
	if !ok {
		notAcceptable().write(w)
		return
	}
	var sel []*item
	for i := range c.items {
		it := &c.items[i]
		if (ns == "" || it.namespace == ns) && ls.matches(it.labels) && fs.matches(func(l string) string { return it.field(c.res, l) }) {
			sel = append(sel, it)
		}
	}
	if b := q.Get("watch"); b == "true" || b == "1" {
		h.watch(w, r, c, f, sel)
		return
	}
	switch {
	case f.table:
		b, err := h.table(c, f, q.Get("includeObject"), sel, true)
		if err != nil {
			badRequest(err.Error()).write(w)
			return
		}
		writeBody(w, http.StatusOK, "application/json", b)
	case f.meta:
		var buf bytes.Buffer
		fmt.Fprintf(&buf, `{"kind":"PartialObjectMetadataList","apiVersion":"meta.k8s.io/%s","metadata":{"resourceVersion":%q},"items":[`, f.version, c.rv)
		for i, it := range sel {
			if i > 0 {
				buf.WriteByte(',')
			}
			buf.Write(partialMeta(f.version, it))
		}
		buf.WriteString("]}\n")
		writeBody(w, http.StatusOK, "application/json", buf.Bytes())
	default:
		var buf bytes.Buffer
		fmt.Fprintf(&buf, `{"kind":"%sList","apiVersion":%q,"metadata":{"resourceVersion":%q},"items":[`, c.res.kind, c.res.groupVersion(), c.rv)
		for i, it := range sel {
			if i > 0 {
				buf.WriteByte(',')
			}
			buf.Write(it.raw)
		}
		buf.WriteString("]}\n")
		writeBody(w, http.StatusOK, "application/json", buf.Bytes())
	}
}

func (h *Handler) get(w http.ResponseWriter, r *http.Request, c *collection, ns, name string) {
	if c.missing != nil {
		c.missing.write(w)
		return
	}
	it := c.lookup(ns, name)
	if it == nil {
		c.notFound(name).write(w)
		return
	}
	f, ok := negotiate(r.Header.Get("Accept"))
	if !ok {
		notAcceptable().write(w)
		return
	}
	switch {
	case f.table:
		b, err := h.table(c, f, r.URL.Query().Get("includeObject"), []*item{it}, true)
		if err != nil {
			badRequest(err.Error()).write(w)
			return
		}
		writeBody(w, http.StatusOK, "application/json", b)
	case f.meta:
		writeBody(w, http.StatusOK, "application/json", append(partialMeta(f.version, it), '\n'))
	default:
		writeBody(w, http.StatusOK, "application/json", append(append([]byte(nil), it.raw...), '\n'))
	}
}

// partialMeta is the item as a PartialObjectMetadata: its metadata bytes.
func partialMeta(version string, it *item) []byte {
	md := it.obj.Get("metadata").Raw
	if md == "" {
		md = "{}"
	}
	return []byte(fmt.Sprintf(`{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/%s","metadata":%s}`, version, md))
}

type tableRow struct {
	Cells      []any           `json:"cells"`
	Conditions []rowCondition  `json:"conditions,omitempty"`
	Object     json.RawMessage `json:"object,omitempty"`
}

type tableDoc struct {
	Kind       string     `json:"kind"`
	APIVersion string     `json:"apiVersion"`
	Metadata   listMeta   `json:"metadata"`
	Columns    []column   `json:"columnDefinitions"`
	Rows       []tableRow `json:"rows"`
}

type listMeta struct {
	ResourceVersion string `json:"resourceVersion"`
}

// table renders items as a meta.k8s.io Table, rows computed at the
// bundle's capture time. includeObject is None, Metadata (the default) or
// Object, as in the API.
func (h *Handler) table(c *collection, f format, includeObject string, items []*item, columns bool) ([]byte, error) {
	t := tableDoc{Kind: "Table", APIVersion: "meta.k8s.io/" + f.version, Metadata: listMeta{c.rv}, Rows: []tableRow{}}
	if columns {
		t.Columns = c.res.columns
	}
	for _, it := range items {
		cells, conds := c.res.row(it.obj, h.now)
		row := tableRow{Cells: cells, Conditions: conds}
		switch includeObject {
		case "", "Metadata":
			row.Object = partialMeta(f.version, it)
		case "Object":
			row.Object = it.raw
		case "None":
		default:
			return nil, fmt.Errorf("includeObject: unsupported value %q: must be None, Metadata or Object", includeObject)
		}
		t.Rows = append(t.Rows, row)
	}
	b, err := json.Marshal(t)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// watch streams the selected items as ADDED events, one per line, and closes: the
// captured state is all there is. A watch from a resourceVersion at or
// after the list's has nothing to report (nothing changed since the
// capture) and closes at once.
func (h *Handler) watch(w http.ResponseWriter, r *http.Request, c *collection, f format, sel []*item) {
	rv := r.URL.Query().Get("resourceVersion")
	if n, err := strconv.ParseUint(rv, 10, 64); err == nil && n > 0 {
		if have, _ := strconv.ParseUint(c.rv, 10, 64); n >= have {
			sel = nil
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	for i, it := range sel {
		obj := it.raw
		switch {
		case f.table:
			b, err := h.table(c, f, r.URL.Query().Get("includeObject"), []*item{it}, i == 0)
			if err != nil {
				return
			}
			obj = bytes.TrimSuffix(b, []byte("\n"))
		case f.meta:
			obj = partialMeta(f.version, it)
		}
		// One event per line, as the API server writes them: the item's
		// bytes with the insignificant whitespace removed.
		var line bytes.Buffer
		if err := json.Compact(&line, obj); err != nil {
			return
		}
		fmt.Fprintf(w, `{"type":"ADDED","object":%s}`+"\n", line.Bytes())
	}
	if fl, ok := w.(http.Flusher); ok {
		fl.Flush()
	}
}
