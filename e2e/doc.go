// Package e2e runs the built ksnap binary against a real Kubernetes control
// plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok
// as the fake kubelet) started by scripts/cluster/up. The tests carry the build
// tag e2e and are run by scripts/e2e; without the tag this package is empty,
// and with the tag but without a cluster (no KSNAP_E2E_* environment) every
// test skips with the reason.
//
// The tests create their Jobs with the admin kubeconfig and run ksnap only
// with the read-only ones. The package holds no code used elsewhere.
package e2e
