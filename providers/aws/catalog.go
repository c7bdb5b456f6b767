package aws

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// The catalogue is what the region offers that Desired needs: its
// availability zones, the newest NixOS image per architecture and, with
// an existing network, that network's subnet. It is read once per run,
// in two or three requests, never per machine.
type catalog struct {
	// zones are the region's available zones, sorted: a machine whose
	// location is the region goes into the first.
	zones []string
	// images are the newest NixOS images of the release by architecture
	// (EC2's names: x86_64, arm64).
	images map[string]image
	// subnet is the existing subnet machines go into; nil when freecloud
	// makes the network.
	subnet *types.Subnet
}

// An image is a NixOS AMI.
type image struct {
	ID, Name string
	Created  time.Time
}

type catalogCache struct {
	mu  sync.Mutex
	cat *catalog
}

// catalog reads the catalogue once; a failed read is tried again next time.
func (p *Provider) catalog(ctx context.Context) (*catalog, error) {
	p.cat.mu.Lock()
	defer p.cat.mu.Unlock()
	if p.cat.cat != nil {
		return p.cat.cat, nil
	}
	cat := &catalog{}
	var err error
	if cat.zones, err = p.zones(ctx); err != nil {
		return nil, fmt.Errorf("listing the availability zones of %s: %w", p.region, explain(err))
	}
	if cat.images, err = p.newestImages(ctx); err != nil {
		return nil, fmt.Errorf("looking up NixOS %s images in %s: %w", p.opts.Release, p.region, explain(err))
	}
	if !p.ownNetwork() {
		out, err := p.client.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{p.opts.Subnet}})
		if err != nil {
			return nil, fmt.Errorf("looking up subnet_id %s: %w", p.opts.Subnet, explain(err))
		}
		if len(out.Subnets) != 1 {
			return nil, fmt.Errorf("subnet_id %s: EC2 answered with %d subnets", p.opts.Subnet, len(out.Subnets))
		}
		cat.subnet = &out.Subnets[0]
	}
	p.cat.cat = cat
	return cat, nil
}

func (p *Provider) zones(ctx context.Context) ([]string, error) {
	out, err := p.client.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{
		Filters: []types.Filter{{Name: awssdk.String("state"), Values: []string{"available"}}},
	})
	if err != nil {
		return nil, err
	}
	var zones []string
	for _, z := range out.AvailabilityZones {
		// Local and Wavelength Zones are opt-in extensions of a region,
		// not places freecloud puts a machine unasked.
		if z.ZoneType == nil || *z.ZoneType == "availability-zone" {
			zones = append(zones, awssdk.ToString(z.ZoneName))
		}
	}
	slices.Sort(zones)
	return zones, nil
}

// newestImages finds the newest image of the release per architecture,
// published by the NixOS account: looked up each time, never written
// down, since NixOS removes images after 90 days.
func (p *Provider) newestImages(ctx context.Context) (map[string]image, error) {
	pages := ec2.NewDescribeImagesPaginator(p.client, &ec2.DescribeImagesInput{
		Owners: []string{p.opts.ImageOwner},
		Filters: []types.Filter{
			{Name: awssdk.String("name"), Values: []string{"nixos/" + p.opts.Release + "*"}},
			{Name: awssdk.String("state"), Values: []string{"available"}},
			{Name: awssdk.String("architecture"), Values: []string{"x86_64", "arm64"}},
		},
	})
	newest := map[string]image{}
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, img := range page.Images {
			if awssdk.ToString(img.OwnerId) != p.opts.ImageOwner {
				continue // the filter says so; an answer that does not is not trusted
			}
			created, err := time.Parse(time.RFC3339, awssdk.ToString(img.CreationDate))
			if err != nil {
				return nil, fmt.Errorf("image %s has creation date %q: %w", awssdk.ToString(img.ImageId), awssdk.ToString(img.CreationDate), err)
			}
			candidate := image{ID: awssdk.ToString(img.ImageId), Name: awssdk.ToString(img.Name), Created: created}
			arch := string(img.Architecture)
			if old, ok := newest[arch]; !ok || candidate.Created.After(old.Created) || candidate.Created.Equal(old.Created) && candidate.Name > old.Name {
				newest[arch] = candidate
			}
		}
	}
	return newest, nil
}

// ec2Architecture is EC2's name of a Nix system's architecture.
func ec2Architecture(system string) string {
	if system == "aarch64-linux" {
		return "arm64"
	}
	return "x86_64"
}
