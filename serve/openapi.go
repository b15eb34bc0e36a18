package serve

import (
	"net/http"
	"strings"
)

// OpenAPI v3, only as far as kubectl needs it to send a write at all.
// kubectl apply and create validate a manifest before sending it: they
// look in /openapi/v3 for a PATCH operation of the kind that takes the
// fieldValidation query parameter and, when none is found, insist on
// downloading the OpenAPI v2 schemas for client-side validation (and fail
// with "failed to download openapi" before any request reaches the
// server). So each group version's document lists, per kind, the
// object's path with a PATCH operation taking fieldValidation and
// answering 405; it has no schemas. /openapi/v2 is 404, which kubectl get,
// describe and logs do not need.

func openAPIRoot() any {
	paths := map[string]any{}
	for _, r := range resources {
		p := strings.TrimPrefix(apiPrefix(r), "/")
		paths[p] = map[string]string{"serverRelativeURL": "/openapi/v3/" + p}
	}
	return map[string]any{"paths": paths}
}

// apiPrefix is the path of a resource's group version: /api/v1, /apis/batch/v1.
func apiPrefix(r *resource) string {
	if r.group == "" {
		return "/api/" + r.version
	}
	return "/apis/" + r.group + "/" + r.version
}

func openAPIGroupVersion(p string) (any, bool) {
	paths := map[string]any{}
	for _, r := range resources {
		if strings.TrimPrefix(apiPrefix(r), "/") != p {
			continue
		}
		paths[apiPrefix(r)+"/namespaces/{namespace}/"+r.plural+"/{name}"] = map[string]any{
			"patch": map[string]any{
				"description": ReadOnlyMessage,
				"x-kubernetes-group-version-kind": map[string]string{
					"group": r.group, "version": r.version, "kind": r.kind,
				},
				"parameters": []map[string]string{{"name": "fieldValidation", "in": "query"}},
				"responses":  map[string]any{"405": map[string]string{"description": ReadOnlyMessage}},
			},
		}
	}
	if len(paths) == 0 {
		return nil, false
	}
	return map[string]any{
		"openapi": "3.0.0",
		"info":    map[string]string{"title": "ksnap serve", "version": p},
		"paths":   paths,
	}, true
}

func serveOpenAPI(w http.ResponseWriter, path string) {
	if path == "/openapi/v3" {
		writeJSON(w, openAPIRoot())
		return
	}
	if doc, ok := openAPIGroupVersion(strings.TrimPrefix(path, "/openapi/v3/")); ok {
		writeJSON(w, doc)
		return
	}
	notFound().write(w)
}
