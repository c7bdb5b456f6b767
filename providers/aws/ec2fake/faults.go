package ec2fake

import (
	"strings"
	"time"
)

// A fault is trouble a test arranged for the next requests of an action.
type fault struct {
	action string
	left   int
	code   string // answer with this error, doing nothing
	lose   bool   // do the work, then drop the connection unanswered
}

// FailNext answers the next n requests of an action (e.g. "RunInstances")
// with the error code (e.g. "RequestLimitExceeded", "Unavailable",
// "InsufficientInstanceCapacity") and its HTTP status, doing nothing: what
// a throttled or failing EC2 does. Server errors and RequestLimitExceeded
// are what aws-sdk-go-v2's standard retryer retries; client errors are
// not retried. A code the fake does not know as a server error is a
// client error, answered with 400.
func (f *Fake) FailNext(action string, n int, code string) {
	if code == "" {
		f.t.Fatalf("ec2fake: FailNext(%q) without an error code", action)
		return
	}
	f.addFault(&fault{action: action, left: n, code: code})
}

// FailNextStatus is FailNext with the code EC2 answers a failure of that
// HTTP status with: 400 InvalidParameterValue, 401 AuthFailure, 403
// UnauthorizedOperation, 429 RequestLimitExceeded (EC2 throttles with
// 503, never 429), 500 InternalError, 503 Unavailable. It is for suites
// that think in statuses, such as providertest.
func (f *Fake) FailNextStatus(action string, n, status int) {
	code, ok := codeForStatus(status)
	if !ok {
		f.t.Fatalf("ec2fake: EC2 has no error of status %d to inject", status)
		return
	}
	f.FailNext(action, n, code)
}

// LoseNext does the next n requests of an action and then drops the
// connection unanswered, as when the network fails after EC2 made
// something: the client sees an error, the object exists. (The SDK's
// retryer sends such a request again; with a ClientToken, EC2 answers the
// retry with what the first made.)
func (f *Fake) LoseNext(action string, n int) {
	f.addFault(&fault{action: action, left: n, lose: true})
}

func (f *Fake) addFault(flt *fault) {
	if handlers[flt.action] == nil {
		f.t.Fatalf("ec2fake: no action %q; actions are %s", flt.action, strings.Join(Actions(), ", "))
		return
	}
	if flt.left < 1 {
		f.t.Fatalf("ec2fake: a fault for %d requests of %s", flt.left, flt.action)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, flt)
}

// takeFault spends one fault arranged for an action, if any. The caller
// holds f.mu.
func (f *Fake) takeFault(action string) *fault {
	for i, flt := range f.faults {
		if flt.action == action {
			if flt.left--; flt.left <= 0 {
				f.faults = append(f.faults[:i], f.faults[i+1:]...)
			}
			return flt
		}
	}
	return nil
}

// HideNew makes EC2's eventual consistency visible: for d after an
// instance is launched, a volume created or an address allocated, calls
// that name the new object by its ID (DescribeInstances with InstanceId.N,
// AssociateAddress, AttachVolume, ModifyInstanceAttribute, GetConsoleOutput,
// Stop-, Start- and TerminateInstances, CreateTags…) answer
// InvalidInstanceID.NotFound, InvalidVolume.NotFound or
// InvalidAllocationID.NotFound, as EC2 documents for IDs that have not
// propagated yet. Describe calls that select by filters (tags) list it.
// It applies to objects made from now on; zero turns it off.
func (f *Fake) HideNew(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hideNew = d
}

// SetLatency delays every request from now on by d.
func (f *Fake) SetLatency(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.latency = d
}

// SetOperationTime makes operations started from now on take d: how long
// instances stay pending, stopping and shutting-down, volumes creating,
// attachments attaching and detaching, and how long a running instance
// takes to print its host keys.
func (f *Fake) SetOperationTime(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.opTime = d
}

// SetPageSize caps the pages of paginated Describe calls at n items,
// whatever MaxResults asks, to make lists span many pages; zero leaves
// EC2's own maxima.
func (f *Fake) SetPageSize(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pageSize = n
}

// defaultQuotas are EC2's defaults for a new account: 5 Elastic IPs and 5
// VPCs per region. Instances are limited to 20 (the classic per-region
// default) and vCPUs not at all unless a test says so.
var defaultQuotas = map[string]int{
	"elastic-ip": 5,
	"vpc":        5,
	"instance":   20,
	"vcpu":       -1,
}

// SetQuota sets a quota of the region: "elastic_ip" (AddressLimitExceeded
// beyond it), "instance" (running and pending instances;
// InstanceLimitExceeded), "vcpu" (their vCPUs; VcpuLimitExceeded) or "vpc"
// (VpcLimitExceeded). A negative n lifts the quota. Objects that exist
// already stay.
func (f *Fake) SetQuota(what string, n int) {
	what = strings.ReplaceAll(what, "_", "-")
	if _, ok := defaultQuotas[what]; !ok {
		f.t.Fatalf("ec2fake: no quota %q; quotas are elastic_ip, instance, vcpu and vpc", what)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.quotas[what] = n
}

// within tells whether having n of what stays within its quota.
func (f *Fake) within(what string, n int) bool {
	q := f.quotas[what]
	return q < 0 || n <= q
}
