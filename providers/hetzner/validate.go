package hetzner

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"
	"github.com/hetznercloud/hcloud-go/v2/hcloud/exp/deprecationutil"
	"golang.org/x/sync/errgroup"

	"github.com/freecloud/freecloud/generator/lang"
	"github.com/freecloud/freecloud/providers"
)

// Volume sizes Hetzner sells, in GB.
const (
	minVolumeGB = 10
	maxVolumeGB = 10240
)

// A catalog is what the project can order: locations, server types and
// system images by name.
type catalog struct {
	locations   map[string]*hcloud.Location
	serverTypes map[string]*hcloud.ServerType
	// images maps an image name to the architectures it exists for.
	images map[string][]hcloud.Architecture
}

// catalogCache fetches the catalog once per provider; a failed fetch is
// tried again next time.
type catalogCache struct {
	mu  sync.Mutex
	cat *catalog
}

// catalogue returns the catalog, fetching its three lists in parallel.
func (p *Provider) catalogue(ctx context.Context) (*catalog, error) {
	p.catalog.mu.Lock()
	defer p.catalog.mu.Unlock()
	if p.catalog.cat != nil {
		return p.catalog.cat, nil
	}
	var (
		locations   []*hcloud.Location
		serverTypes []*hcloud.ServerType
		images      []*hcloud.Image
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		locations, err = p.client.Location.AllWithOpts(gctx, hcloud.LocationListOpts{ListOpts: hcloud.ListOpts{PerPage: maxPerPage}})
		return err
	})
	g.Go(func() (err error) {
		serverTypes, err = p.client.ServerType.AllWithOpts(gctx, hcloud.ServerTypeListOpts{ListOpts: hcloud.ListOpts{PerPage: maxPerPage}})
		return err
	})
	g.Go(func() (err error) {
		images, err = p.client.Image.AllWithOpts(gctx, hcloud.ImageListOpts{ListOpts: hcloud.ListOpts{PerPage: maxPerPage}, Type: []hcloud.ImageType{hcloud.ImageTypeSystem}})
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	cat := &catalog{locations: map[string]*hcloud.Location{}, serverTypes: map[string]*hcloud.ServerType{}, images: map[string][]hcloud.Architecture{}}
	for _, l := range locations {
		cat.locations[l.Name] = l
	}
	for _, st := range serverTypes {
		cat.serverTypes[st.Name] = st
	}
	for _, img := range images {
		cat.images[img.Name] = append(cat.images[img.Name], img.Architecture)
	}
	p.catalog.cat = cat
	return cat, nil
}

// Validate checks locations, server types (sold there, not retired, of an
// architecture the image exists for), images and volume sizes against
// what the project can order, naming the closest valid choice.
func (p *Provider) Validate(ctx context.Context, desired []*providers.Resource) []*providers.ResourceError {
	cat, err := p.catalogue(ctx)
	if err != nil {
		return []*providers.ResourceError{{Address: "hetzner", Msg: fmt.Sprintf("cannot read locations, server types and images: %v", err)}}
	}
	var errs []*providers.ResourceError
	report := func(r *providers.Resource, attr, format string, args ...any) {
		errs = append(errs, &providers.ResourceError{Address: r.Address(), Attr: attr, Msg: fmt.Sprintf(format, args...)})
	}
	perNetwork := map[string]int{}
	for _, r := range desired {
		if r.Kind == "server" && r.Attrs["network"] != "" {
			perNetwork[r.Attrs["network"]]++
		}
	}
	for _, r := range desired {
		switch r.Kind {
		case "network":
			if n := perNetwork[r.Name]; n > maxServersPerNetwork {
				report(r, "", "a Hetzner network holds at most %d servers, and %d machines of this provider are in zone %s: spread them over several provider blocks (Hetzner projects), each with its own network",
					maxServersPerNetwork, n, r.Name)
			}
		case "server":
			checkServer(cat, r, report)
		case "volume":
			if size, err := strconv.Atoi(r.Attrs["size"]); err != nil || size < minVolumeGB || size > maxVolumeGB {
				report(r, "size", "a volume has %d to %d GB, not %s", minVolumeGB, maxVolumeGB, r.Attrs["size"])
			}
		}
	}
	return errs
}

// maxServersPerNetwork is Hetzner's limit of servers attached to one
// network.
const maxServersPerNetwork = 100

// checkServer checks a server's location, type and image. Its volumes and
// primary IPs are in the same location: a wrong one is reported once, here.
func checkServer(cat *catalog, r *providers.Resource, report func(*providers.Resource, string, string, ...any)) {
	loc, typ, image := r.Attrs["location"], r.Attrs["server_type"], r.Attrs["image"]
	if cat.locations[loc] == nil {
		report(r, "location", "Hetzner has no location %q.%s", loc, hint(loc, slices.Collect(maps.Keys(cat.locations))))
		return
	}
	if zone := string(cat.locations[loc].NetworkZone); zone != networkZones[loc] {
		report(r, "location", "location %q is in network zone %q, which freecloud does not know yet: it cannot tell which machines may share a network", loc, zone)
	}
	st := cat.serverTypes[typ]
	if st == nil {
		report(r, "server_type", "Hetzner has no server type %q.%s", typ, hint(typ, orderable(cat, loc, "")))
		return
	}
	if msg, _ := deprecationutil.ServerTypeMessage(st, loc); msg != "" {
		report(r, "server_type", "%s; choose a current type.%s", msg, hint(typ, orderable(cat, loc, st.Architecture)))
		return
	}
	if !slices.ContainsFunc(st.Locations, func(l hcloud.ServerTypeLocation) bool { return l.Location.Name == loc && l.Available }) {
		var where []string
		for _, l := range st.Locations {
			if l.Available {
				where = append(where, l.Location.Name)
			}
		}
		report(r, "server_type", "server type %q is not sold in %s but in %s.%s", typ, loc, providers.JoinSorted(where), hint(typ, orderable(cat, loc, st.Architecture)))
		return
	}
	archs, ok := cat.images[image]
	switch {
	case !ok:
		report(r, "image", "Hetzner has no system image %q.%s", image, hint(image, slices.Collect(maps.Keys(cat.images))))
	case !slices.Contains(archs, st.Architecture):
		report(r, "image", "image %q does not exist for %s server types like %s", image, st.Architecture, typ)
	}
}

// orderable lists the server types of an architecture (any if empty) sold
// in a location and not deprecated there.
func orderable(cat *catalog, loc string, arch hcloud.Architecture) []string {
	var names []string
	for name, st := range cat.serverTypes {
		msg, _ := deprecationutil.ServerTypeMessage(st, loc)
		sold := slices.ContainsFunc(st.Locations, func(l hcloud.ServerTypeLocation) bool { return l.Location.Name == loc && l.Available })
		if (arch == "" || st.Architecture == arch) && sold && msg == "" {
			names = append(names, name)
		}
	}
	return names
}

// hint is " Did you mean "x"?" for a plausible typo, or else the valid
// choices.
func hint(given string, options []string) string {
	if s := lang.DidYouMean(given, options); s != "" {
		return s
	}
	slices.Sort(options)
	if len(options) == 0 {
		return ""
	}
	return fmt.Sprintf(" Valid are: %s.", providers.JoinSorted(options))
}
