// Package kube holds the Kubernetes API vocabulary that both sides of ksnap
// judge by: the container waiting reasons that mark a container as failing,
// the terminated reason of an out-of-memory kill, the pod status reasons of
// infrastructure failures and the API server's defaults. capture uses it to
// plan log tails (LogsFailed), analyze/rules to judge pods; it is the one
// copy of these tables.
//
// It is a leaf: it imports only the standard library, reads nothing and
// holds no state that callers can change (the tables are unexported arrays;
// the exported functions return copies).
package kube

import "slices"

// DefaultBackoffLimit is the API server's default for a Job's spec.backoffLimit.
const DefaultBackoffLimit = 6

// Container state reasons named by the rules.
const (
	// CrashLoopBackOff is the waiting reason of a container restarting in a loop (P3).
	CrashLoopBackOff = "CrashLoopBackOff"
	// OOMKilled is the terminated reason of a container killed for memory (P7).
	OOMKilled = "OOMKilled"
)

var (
	imagePull       = [...]string{"ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull", "ImageInspectError"}
	containerConfig = [...]string{"CreateContainerConfigError", "CreateContainerError", "RunContainerError", "PreStartHookError", "PreCreateHookError"}
	infrastructure  = [...]string{"Evicted", "NodeLost", "Shutdown", "UnexpectedAdmissionError", "NodeAffinity", "PreemptionByScheduler", "TerminationByKubelet", "DeadlineExceeded"}
)

// ImagePullReasons are the waiting reasons of an image that cannot be pulled (P4).
func ImagePullReasons() []string { return slices.Clone(imagePull[:]) }

// ContainerConfigReasons are the waiting reasons of a container that cannot
// be created or started (P5).
func ContainerConfigReasons() []string { return slices.Clone(containerConfig[:]) }

// InfrastructureReasons are the pod status.reason values of a pod stopped by
// its node or the control plane rather than by its own code (P9).
func InfrastructureReasons() []string { return slices.Clone(infrastructure[:]) }

// IsImagePull reports whether a waiting reason is one of ImagePullReasons.
func IsImagePull(reason string) bool { return slices.Contains(imagePull[:], reason) }

// IsContainerConfig reports whether a waiting reason is one of ContainerConfigReasons.
func IsContainerConfig(reason string) bool { return slices.Contains(containerConfig[:], reason) }

// IsInfrastructure reports whether a pod status.reason is one of InfrastructureReasons.
func IsInfrastructure(reason string) bool { return slices.Contains(infrastructure[:], reason) }

// IsFailingWaiting reports whether a container waiting for this reason is
// failing rather than starting: CrashLoopBackOff, an image pull reason or a
// container config reason (P3, P4, P5, P15).
func IsFailingWaiting(reason string) bool {
	return reason == CrashLoopBackOff || IsImagePull(reason) || IsContainerConfig(reason)
}
