// Package hetzner provisions a deployment's machines on Hetzner Cloud:
// per machine a server, a firewall, two primary IPs and a volume per data
// disk, plus the admins' SSH keys and, where machines share a network
// zone, a private network.
//
// Every object carries the labels freecloud/deployment, freecloud/kind
// and freecloud/name, so a deployment is read back with one paginated
// list per kind (List) and objects of other deployments or tools are
// never touched. Objects are named <deployment>-<name> at Hetzner, whose
// names are unique per project, so deployments can share a project.
//
// The client is hcloud-go. Its retries (429, 502, 504 and conflict) are
// bounded and wait as long as the RateLimit headers say; 503 is retried by
// the transport, which hcloud-go does not do.
package hetzner

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"

	"github.com/freecloud/freecloud/providers"
)

// The environment variables Hetzner's own CLI reads; the CLI passes them
// in Options.
const (
	TokenEnv    = "HCLOUD_TOKEN"
	EndpointEnv = "HCLOUD_ENDPOINT"
)

// Options configure a provider.
type Options struct {
	// Token is the API token of the project (HCLOUD_TOKEN). It is sent to
	// the API and never logged, stored or put in an error.
	Token string
	// Endpoint is the API's URL (HCLOUD_ENDPOINT); empty for Hetzner's.
	Endpoint string
	// Version is freecloud's version, for the User-Agent.
	Version string
	// PollInterval is the first wait between looks at running actions;
	// the waits grow to 10 times it. Default 500ms.
	PollInterval time.Duration
	// RetryBase is the first wait before retrying a failed request; the
	// waits double, with jitter, up to a minute. Default 1s.
	RetryBase time.Duration
	// MaxRetries bounds retries of one request. Default 5.
	MaxRetries int
	// RequestTimeout bounds one HTTP request. Default 1 minute.
	RequestTimeout time.Duration
	// ShutdownTimeout is how long a server gets to shut down gracefully
	// before it is powered off, when its type changes. Default 2 minutes.
	ShutdownTimeout time.Duration
	// Transport carries requests; http.DefaultTransport if nil.
	Transport http.RoundTripper
}

// EnvOptions reads the token and endpoint from the environment variables
// Hetzner's CLI uses, through lookup (os.LookupEnv in the CLI).
func EnvOptions(lookup func(string) (string, bool)) Options {
	token, _ := lookup(TokenEnv)
	endpoint, _ := lookup(EndpointEnv)
	return Options{Token: token, Endpoint: endpoint}
}

// A Provider is the Hetzner Cloud implementation of providers.Provider.
type Provider struct {
	client  *hcloud.Client
	opts    Options
	catalog catalogCache
}

var _ providers.Provider = (*Provider)(nil)

// New returns a provider for the project of opts.Token. It makes no
// request: ctx is there for symmetry with the calls that do.
func New(ctx context.Context, opts Options) (*Provider, error) {
	if opts.Token == "" {
		return nil, errors.New("hetzner: no API token: set " + TokenEnv + " to a read & write token of the project (Hetzner Cloud Console → Security → API tokens)")
	}
	opts.PollInterval = cmp.Or(opts.PollInterval, 500*time.Millisecond)
	opts.RetryBase = cmp.Or(opts.RetryBase, time.Second)
	opts.MaxRetries = cmp.Or(opts.MaxRetries, 5)
	opts.RequestTimeout = cmp.Or(opts.RequestTimeout, time.Minute)
	opts.ShutdownTimeout = cmp.Or(opts.ShutdownTimeout, 2*time.Minute)

	limits := &rateLimits{}
	retry := retryBackoff(opts.RetryBase)
	clientOpts := []hcloud.ClientOption{
		hcloud.WithToken(opts.Token),
		hcloud.WithApplication("freecloud", opts.Version),
		hcloud.WithHTTPClient(&http.Client{
			Timeout:   opts.RequestTimeout,
			Transport: &transport{next: opts.Transport, limits: limits, backoff: retry, maxRetries: unavailableRetries},
		}),
		hcloud.WithRetryOpts(hcloud.RetryOpts{BackoffFunc: limits.backoff(retry), MaxRetries: opts.MaxRetries}),
		hcloud.WithPollOpts(hcloud.PollOpts{BackoffFunc: hcloud.ExponentialBackoffWithOpts(hcloud.ExponentialBackoffOpts{
			Base: opts.PollInterval, Multiplier: 1.5, Cap: 10 * opts.PollInterval,
		})}),
	}
	if opts.Endpoint != "" {
		clientOpts = append(clientOpts, hcloud.WithEndpoint(opts.Endpoint))
	}
	return &Provider{client: hcloud.NewClient(clientOpts...), opts: opts}, nil
}

// A kind is how the provider handles one kind of resource.
type kind struct {
	spec   providers.KindSpec
	create func(p *Provider, ctx context.Context, deployment string, r *providers.Resource, ids providers.IDs) (int64, error)
	// update changes what is not in spec.Replace; nil if nothing can be.
	update func(p *Provider, ctx context.Context, deployment string, id int64, current, desired *providers.Resource, ids providers.IDs) error
	delete func(p *Provider, ctx context.Context, id int64) error
}

// kinds in the order they are made: what others refer to first.
var kinds = []kind{
	{spec: providers.KindSpec{Kind: "ssh_key", Replace: []string{"public_key"}},
		create: (*Provider).createSSHKey, delete: (*Provider).deleteSSHKey},
	{spec: providers.KindSpec{Kind: "network", Replace: []string{"ip_range", "network_zone", "subnet"}},
		create: (*Provider).createNetwork, delete: (*Provider).deleteNetwork},
	{spec: providers.KindSpec{Kind: "firewall"},
		create: (*Provider).createFirewall, update: (*Provider).updateFirewall, delete: (*Provider).deleteFirewall},
	{spec: providers.KindSpec{Kind: "primary_ip", Replace: []string{"location", "type"}},
		create: (*Provider).createPrimaryIP, delete: (*Provider).deletePrimaryIP},
	{spec: providers.KindSpec{Kind: "volume", Replace: []string{"location"}, HoldsData: true},
		create: (*Provider).createVolume, update: (*Provider).updateVolume, delete: (*Provider).deleteVolume},
	{spec: providers.KindSpec{Kind: "server", Replace: []string{"image", "location"}, HoldsData: true, Machine: true},
		create: (*Provider).createServer, update: (*Provider).updateServer, delete: (*Provider).deleteServer},
}

func (k kind) KindSpec() providers.KindSpec { return k.spec }

func kindOf(name string) (*kind, error) { return providers.Handler("hetzner", kinds, name) }

// Kinds lists the kinds of resources, what others refer to first.
func (p *Provider) Kinds() []providers.KindSpec { return providers.Specs(kinds) }

// Create makes a resource and waits until it is usable. If it was made
// but something after failed (an action, the wait), the error comes with
// the resource and its ID.
func (p *Provider) Create(ctx context.Context, deployment string, r *providers.Resource, ids providers.IDs) (*providers.Resource, error) {
	k, err := kindOf(r.Kind)
	if err != nil {
		return nil, providers.OpError("create", r, err)
	}
	id, err := k.create(p, ctx, deployment, r, ids)
	if id == 0 {
		return nil, providers.OpError("create", r, err)
	}
	made := providers.Clone(r)
	made.ID = strconv.FormatInt(id, 10)
	return made, providers.OpError("create", r, err)
}

// Update changes a resource in place. It refuses a change of an attribute
// that needs a new resource rather than ignore it.
func (p *Provider) Update(ctx context.Context, deployment string, current, desired *providers.Resource, ids providers.IDs) (*providers.Resource, error) {
	k, err := kindOf(desired.Kind)
	if err != nil {
		return nil, providers.OpError("update", desired, err)
	}
	id, err := parseID(current)
	if err != nil {
		return nil, providers.OpError("update", desired, err)
	}
	if err := providers.CheckReplace(k.spec, current, desired); err != nil {
		return nil, providers.OpError("update", desired, err)
	}
	if k.update != nil {
		err = k.update(p, ctx, deployment, id, current, desired, ids)
	} else if !maps.Equal(current.Attrs, desired.Attrs) {
		err = errors.New("nothing of it can change in place")
	}
	if err != nil {
		return nil, providers.OpError("update", desired, err)
	}
	updated := providers.Clone(desired)
	updated.ID = current.ID
	return updated, nil
}

// Delete removes a resource; one that is already gone is not an error.
func (p *Provider) Delete(ctx context.Context, r *providers.Resource) error {
	k, err := kindOf(r.Kind)
	if err != nil {
		return providers.OpError("delete", r, err)
	}
	id, err := parseID(r)
	if err == nil {
		err = k.delete(p, ctx, id)
	}
	if hcloud.IsError(err, hcloud.ErrorCodeNotFound) {
		return nil
	}
	return providers.OpError("delete", r, err)
}

func parseID(r *providers.Resource) (int64, error) {
	id, err := strconv.ParseInt(r.ID, 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%q is not a Hetzner ID", r.ID)
	}
	return id, nil
}

// refIDs resolves the resource's references to resources of a kind to
// their IDs.
func refIDs(r *providers.Resource, ids providers.IDs, kind string) (map[string]int64, error) {
	out := map[string]int64{}
	for _, ref := range r.Refs {
		refKind, name, _ := strings.Cut(ref, ".")
		if refKind != kind {
			continue
		}
		s, ok := ids(ref)
		id, err := strconv.ParseInt(s, 10, 64)
		if !ok || err != nil {
			return nil, fmt.Errorf("needs %s, which has no ID yet", ref)
		}
		out[name] = id
	}
	return out, nil
}

// labels are the labels freecloud puts on every object it makes.
func labels(deployment string, r *providers.Resource) map[string]string {
	return map[string]string{labelDeployment: deployment, labelKind: r.Kind, labelName: r.Name}
}

// wait waits for actions, all at once: hcloud-go asks for up to 25 of
// them in one request.
func (p *Provider) wait(ctx context.Context, actions ...*hcloud.Action) error {
	return p.client.Action.WaitFor(ctx, slices.DeleteFunc(actions, func(a *hcloud.Action) bool { return a == nil })...)
}
