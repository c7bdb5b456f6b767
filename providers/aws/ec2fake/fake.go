// Package ec2fake is an in-process fake of the Amazon EC2 Query API, for
// tests: an httptest server on 127.0.0.1 that speaks the wire format
// aws-sdk-go-v2's service/ec2 client sends and parses (form-encoded POSTs
// of Action=…&Version=2016-11-15, XML answers in the EC2 namespace,
// errors as <Response><Errors><Error>…), so the real client and everything
// built on it run against it unchanged.
//
// It keeps one account's region in memory and behaves like EC2 where a
// client can tell: IDs of the real forms (vpc-…, i-…), SigV4 credential
// scopes, Describe calls with IDs, filters (tag:<key>, tag-key and each
// family's own, wildcards), MaxResults and NextToken; instances that are
// pending, stopping and shutting-down for a while, volumes that are
// creating; dependencies that refuse deletes (DependencyViolation), quotas,
// ClientToken idempotency, a NixOS image catalogue, instance types, and a
// console on which each instance prints its own SSH host key as NixOS's
// EC2 image does. Errors carry EC2's documented codes and HTTP statuses.
//
// Tests look at what exists (Instance, Volume, Tags, Objects), count
// requests (Requests, Calls) and inject trouble: failing requests
// (FailNext), answers lost after the work is done (LoseNext), eventual
// consistency (HideNew), latency, slow operations, small pages, quotas
// and objects someone else made (AddForeign).
package ec2fake

import (
	"cmp"
	"crypto/rand"
	"encoding/binary"
	"maps"
	mathrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// Credentials the fake accepts unless Options say others. They are the
// example keys of AWS's documentation, recognisable as no real account's.
const (
	DefaultAccessKeyID     = "AKIAIOSFODNN7EXAMPLE"
	DefaultSecretAccessKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	// DefaultAccountID owns everything the fake makes.
	DefaultAccountID = "123456789012"
	// NixOSOwner is the account that publishes NixOS's official images.
	NixOSOwner = "427812963091"
)

// apiVersion is the only version of the EC2 API there is to speak.
const apiVersion = "2016-11-15"

// Options configure a fake. The zero value is a fast, well-behaved
// eu-central-1.
type Options struct {
	// Region is the region the fake is, and that credential scopes must
	// name; default "eu-central-1". Its zones are <region>a, b and c.
	Region string
	// AccessKeyID and SecretAccessKey are the credentials clients sign
	// with; the defaults are DefaultAccessKeyID and DefaultSecretAccessKey.
	AccessKeyID, SecretAccessKey string
	// AccountID owns what the fake makes; default DefaultAccountID.
	AccountID string
	// OperationTime is how long instances stay pending, stopping and
	// shutting-down, volumes creating, attachments attaching and
	// detaching; zero finishes them before the next request is answered.
	OperationTime time.Duration
	// Latency delays every request.
	Latency time.Duration
	// PageSize, when positive, caps every page of a paginated Describe
	// call below what MaxResults asks (and below EC2's own maxima).
	PageSize int
	// TerminatedVisibleFor is how long terminated instances stay visible
	// to DescribeInstances, as EC2 keeps them for about an hour; default
	// one hour.
	TerminatedVisibleFor time.Duration
	// Seed, when non-zero, makes IDs, addresses and host keys the same in
	// every run; zero takes a random seed.
	Seed uint64
	// NoSeedImages starts with an empty image catalogue (see AddImage).
	NoSeedImages bool
}

// A Fake is a running fake of EC2 in one region. Its methods are safe for
// concurrent use.
type Fake struct {
	t      testing.TB
	srv    *httptest.Server
	closed chan struct{}
	once   sync.Once

	region, accountID    string
	accessKey, secretKey string

	// mu guards everything below; one request's handler runs with it
	// held, so state changes are atomic.
	mu         sync.Mutex
	rng        *mathrand.Rand
	latency    time.Duration
	opTime     time.Duration
	pageSize   int
	hideNew    time.Duration
	terminated time.Duration
	quotas     map[string]int
	faults     []*fault
	total      int
	calls      map[string]int

	seq       int64               // the creation order of every object
	objects   map[string]resource // every object by ID, for tags
	keyPairs  map[string]*keyPair // by ID
	vpcs      map[string]*vpc     // by ID
	subnets   map[string]*subnet  // by ID
	gateways  map[string]*gateway // by ID
	tables    map[string]*routeTable
	groups    map[string]*securityGroup
	addresses map[string]*address  // by allocation ID
	volumes   map[string]*volume   // by ID
	instances map[string]*instance // by ID, terminated ones for a while
	images    map[string]*image    // by ID
	tokens    map[string]tokenUse  // ClientTokens by action and token
	dhcp      string               // the region's DHCP options set
	hostPub   ssh.PublicKey        // SetHostKey's key for new instances
}

// New starts a fake on 127.0.0.1; it stops when the test ends.
func New(t testing.TB, opts Options) *Fake {
	seed := opts.Seed
	if seed == 0 {
		var b [8]byte
		_, _ = rand.Read(b[:])
		seed = binary.LittleEndian.Uint64(b[:])
	}
	f := &Fake{
		t:          t,
		closed:     make(chan struct{}),
		region:     cmp.Or(opts.Region, "eu-central-1"),
		accountID:  cmp.Or(opts.AccountID, DefaultAccountID),
		accessKey:  cmp.Or(opts.AccessKeyID, DefaultAccessKeyID),
		secretKey:  cmp.Or(opts.SecretAccessKey, DefaultSecretAccessKey),
		rng:        mathrand.New(mathrand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		latency:    opts.Latency,
		opTime:     opts.OperationTime,
		pageSize:   opts.PageSize,
		terminated: cmp.Or(opts.TerminatedVisibleFor, time.Hour),
		quotas:     maps.Clone(defaultQuotas),
		calls:      map[string]int{},
		objects:    map[string]resource{},
		keyPairs:   map[string]*keyPair{},
		vpcs:       map[string]*vpc{},
		subnets:    map[string]*subnet{},
		gateways:   map[string]*gateway{},
		tables:     map[string]*routeTable{},
		groups:     map[string]*securityGroup{},
		addresses:  map[string]*address{},
		volumes:    map[string]*volume{},
		instances:  map[string]*instance{},
		images:     map[string]*image{},
		tokens:     map[string]tokenUse{},
	}
	f.dhcp = f.newID("dopt")
	if !opts.NoSeedImages {
		f.seedImages()
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serveHTTP))
	t.Cleanup(f.Close)
	return f
}

// URL is the endpoint: what aws-sdk-go-v2 takes as BaseEndpoint, and
// AWS_ENDPOINT_URL_EC2 holds.
func (f *Fake) URL() string { return f.srv.URL }

// Region is the region the fake is, which credential scopes must name.
func (f *Fake) Region() string { return f.region }

// AccessKeyID is the access key ID requests must be signed with.
func (f *Fake) AccessKeyID() string { return f.accessKey }

// SecretAccessKey goes with AccessKeyID; signatures are not checked.
func (f *Fake) SecretAccessKey() string { return f.secretKey }

// AccountID is the account that owns what the fake makes.
func (f *Fake) AccountID() string { return f.accountID }

// Close stops the fake, releasing requests it holds.
func (f *Fake) Close() {
	f.once.Do(func() {
		close(f.closed)
		f.srv.CloseClientConnections()
		f.srv.Close()
	})
}

// Requests is how many requests the fake has received, answered or not.
func (f *Fake) Requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.total
}

// Calls is the number of requests per action ("RunInstances", …), for
// tests that count the API calls a plan makes.
func (f *Fake) Calls() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return maps.Clone(f.calls)
}

// ResetRequests sets Requests and Calls back to zero.
func (f *Fake) ResetRequests() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.total = 0
	f.calls = map[string]int{}
}

// Actions lists the actions the fake answers, for FailNext and LoseNext.
func Actions() []string { return slices.Sorted(maps.Keys(handlers)) }

// now is the fake's clock: the wall clock, so that operation times and
// HideNew run in real time.
func (f *Fake) now() time.Time { return time.Now().UTC() }
