package serve

// Legacy discovery documents (APIVersions, APIGroupList, APIGroup,
// APIResourceList). kubectl 1.32 asks /api and /apis for aggregated
// discovery (apidiscovery.k8s.io/v2) first, with application/json as its
// last choice; answering the legacy form as application/json makes it
// fall back to the per-group-version documents, as against any API server
// without aggregated discovery.

type groupVersionDoc struct {
	GroupVersion string `json:"groupVersion"`
	Version      string `json:"version"`
}

type apiGroupDoc struct {
	Kind             string            `json:"kind,omitempty"`
	APIVersion       string            `json:"apiVersion,omitempty"`
	Name             string            `json:"name"`
	Versions         []groupVersionDoc `json:"versions"`
	PreferredVersion groupVersionDoc   `json:"preferredVersion"`
}

type apiResourceDoc struct {
	Name         string   `json:"name"`
	SingularName string   `json:"singularName"`
	Namespaced   bool     `json:"namespaced"`
	Kind         string   `json:"kind"`
	Verbs        []string `json:"verbs"`
	ShortNames   []string `json:"shortNames,omitempty"`
	Categories   []string `json:"categories,omitempty"`
}

type serverAddress struct {
	ClientCIDR    string `json:"clientCIDR"`
	ServerAddress string `json:"serverAddress"`
}

func apiVersions(host string) any {
	return struct {
		Kind     string          `json:"kind"`
		Versions []string        `json:"versions"`
		Servers  []serverAddress `json:"serverAddressByClientCIDRs"`
	}{"APIVersions", []string{"v1"}, []serverAddress{{"0.0.0.0/0", host}}}
}

// groups are the named API groups served, in discovery order.
func groups() []apiGroupDoc {
	var out []apiGroupDoc
	seen := map[string]bool{}
	for _, r := range resources {
		if r.group == "" || seen[r.group] {
			continue
		}
		seen[r.group] = true
		gv := groupVersionDoc{r.groupVersion(), r.version}
		out = append(out, apiGroupDoc{Name: r.group, Versions: []groupVersionDoc{gv}, PreferredVersion: gv})
	}
	return out
}

func groupList() any {
	return struct {
		Kind       string        `json:"kind"`
		APIVersion string        `json:"apiVersion"`
		Groups     []apiGroupDoc `json:"groups"`
	}{"APIGroupList", "v1", groups()}
}

func apiGroup(name string) (apiGroupDoc, bool) {
	for _, g := range groups() {
		if g.Name == name {
			g.Kind, g.APIVersion = "APIGroup", "v1"
			return g, true
		}
	}
	return apiGroupDoc{}, false
}

// readVerbs are the only verbs discovery advertises: the truth about
// this server. Write requests are still answered (405), so that kubectl
// prints why.
var readVerbs = []string{"get", "list", "watch"}

func resourceList(cols []*collection) any {
	var rs []apiResourceDoc
	for _, c := range cols {
		r := c.res
		rs = append(rs, apiResourceDoc{
			Name: r.plural, SingularName: r.singular, Namespaced: true, Kind: r.kind,
			Verbs: readVerbs, ShortNames: r.shortNames, Categories: r.categories,
		})
		for _, sub := range r.subresources {
			rs = append(rs, apiResourceDoc{Name: r.plural + "/" + sub, Namespaced: true, Kind: r.kind, Verbs: []string{"get"}})
		}
	}
	return struct {
		Kind         string           `json:"kind"`
		APIVersion   string           `json:"apiVersion"`
		GroupVersion string           `json:"groupVersion"`
		Resources    []apiResourceDoc `json:"resources"`
	}{"APIResourceList", "v1", cols[0].res.groupVersion(), rs}
}
