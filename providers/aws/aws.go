// Package aws provisions a deployment's machines on Amazon EC2, from the
// official NixOS images: per region a VPC with an internet gateway, a
// route table and a subnet per availability zone (or an existing VPC and
// subnet named in the provider block); per machine an instance, a
// security group, an Elastic IP and an EBS volume per data disk; and a key
// pair per admin key.
//
// Every object is tagged freecloud:deployment, freecloud:kind and
// freecloud:name when it is made (TagSpecifications, so an object is never
// seen untagged), and a deployment is read back with one paginated,
// tag-filtered Describe call per kind (List). Objects of other deployments
// or tools are never touched.
//
// The client is aws-sdk-go-v2 with credentials, region and endpoint from
// AWS's standard configuration chain: the environment, shared config and
// credentials files, profiles and SSO; AWS_ENDPOINT_URL(_EC2) overrides
// the endpoint. Credentials are never stored. Throttling
// (RequestLimitExceeded) and server errors are retried with backoff; a
// create is not sent again when its answer was lost, since EC2 would make
// a second object (the next plan finds the first by its tags instead).
package aws

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/freecloud/freecloud/providers"
)

// NixOSImageOwner is the AWS account that publishes NixOS's official
// images (nixos.org/download, "Amazon EC2").
const NixOSImageOwner = "427812963091"

// Options configure a provider.
type Options struct {
	// Region is the provider block's region; "" takes the one of the
	// standard chain (AWS_REGION, the profile's region).
	Region string
	// Profile is the shared-config profile to use; "" the chain's
	// (AWS_PROFILE, else default).
	Profile string
	// VPC and Subnet name an existing VPC and the subnet in it that
	// machines go into; both "" to have freecloud make the network.
	VPC, Subnet string
	// Release is the NixOS release whose images new instances boot, such
	// as "26.05": that of the nixpkgs the flake pins.
	Release string
	// ImageOwner is the account whose images are trusted; default
	// NixOSImageOwner.
	ImageOwner string
	// Version is freecloud's version, for the User-Agent.
	Version string
	// Endpoint overrides the EC2 endpoint (tests); the CLI leaves it to
	// AWS_ENDPOINT_URL_EC2 and AWS_ENDPOINT_URL, which the SDK reads.
	Endpoint string
	// Credentials override the chain's (tests).
	Credentials awssdk.CredentialsProvider
	// PollInterval is the first wait between looks at an instance or
	// volume that is not ready yet; the waits grow to 10 times it.
	// Default 2s.
	PollInterval time.Duration
	// WaitTimeout bounds each wait: an instance running or terminated, a
	// volume available, a dependency released. Default 10 minutes.
	WaitTimeout time.Duration
	// MaxAttempts bounds the attempts of one request (throttling, server
	// errors). Default 10.
	MaxAttempts int
	// MaxBackoff caps the wait between attempts. Default 20s.
	MaxBackoff time.Duration
}

// A Provider is the EC2 implementation of providers.Provider.
type Provider struct {
	client *ec2.Client
	region string
	opts   Options
	cat    catalogCache
}

var _ providers.Provider = (*Provider)(nil)

// New returns a provider for the account and region the configuration
// chain gives. It makes no request: credentials are resolved on first use.
func New(ctx context.Context, opts Options) (*Provider, error) {
	opts.ImageOwner = cmp.Or(opts.ImageOwner, NixOSImageOwner)
	opts.PollInterval = cmp.Or(opts.PollInterval, 2*time.Second)
	opts.WaitTimeout = cmp.Or(opts.WaitTimeout, 10*time.Minute)
	opts.MaxAttempts = cmp.Or(opts.MaxAttempts, 10)
	opts.MaxBackoff = cmp.Or(opts.MaxBackoff, 20*time.Second)
	if opts.Release == "" {
		return nil, errors.New("aws: no NixOS release to take images of")
	}
	if (opts.VPC == "") != (opts.Subnet == "") {
		return nil, errors.New("aws: an existing network needs both vpc_id and subnet_id")
	}
	load := []func(*config.LoadOptions) error{
		config.WithRetryer(func() awssdk.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = opts.MaxAttempts
				o.MaxBackoff = opts.MaxBackoff
				// Throttling is EC2's to decide; a client-side retry
				// budget would turn a busy minute into failed applies.
				o.RateLimiter = ratelimit.None
			})
		}),
		config.WithAppID("freecloud-" + cmp.Or(opts.Version, "dev")),
	}
	if opts.Region != "" {
		load = append(load, config.WithRegion(opts.Region))
	}
	if opts.Profile != "" {
		load = append(load, config.WithSharedConfigProfile(opts.Profile))
	}
	if opts.Credentials != nil {
		load = append(load, config.WithCredentialsProvider(opts.Credentials))
	}
	cfg, err := config.LoadDefaultConfig(ctx, load...)
	if err != nil {
		return nil, fmt.Errorf("aws: reading the AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return nil, errors.New(`aws: no region: set region = "…" in the provider block, or AWS_REGION, or a region in the AWS profile`)
	}
	client := ec2.NewFromConfig(cfg, func(o *ec2.Options) {
		if opts.Endpoint != "" {
			o.BaseEndpoint = awssdk.String(opts.Endpoint)
		}
	})
	return &Provider{client: client, region: cfg.Region, opts: opts}, nil
}

// Region is the region the provider works in.
func (p *Provider) Region() string { return p.region }

// ownNetwork tells whether freecloud makes the VPC and its subnets.
func (p *Provider) ownNetwork() bool { return p.opts.Subnet == "" }
