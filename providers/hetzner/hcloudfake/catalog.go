package hcloudfake

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/hetznercloud/hcloud-go/v2/hcloud/schema"
)

// The catalogue: what a project can order. Locations use their real IDs
// and network zones; server types and images are a representative set.
var (
	seedLocations = []schema.Location{
		{ID: 1, Name: "fsn1", Description: "Falkenstein DC Park 1", Country: "DE", City: "Falkenstein", Latitude: 50.47612, Longitude: 12.370071, NetworkZone: "eu-central"},
		{ID: 2, Name: "nbg1", Description: "Nuremberg DC Park 1", Country: "DE", City: "Nuremberg", Latitude: 49.452102, Longitude: 11.076665, NetworkZone: "eu-central"},
		{ID: 3, Name: "hel1", Description: "Helsinki DC Park 1", Country: "FI", City: "Helsinki", Latitude: 60.169855, Longitude: 24.938379, NetworkZone: "eu-central"},
		{ID: 4, Name: "ash", Description: "Ashburn, VA", Country: "US", City: "Ashburn, VA", Latitude: 39.045821, Longitude: -77.487073, NetworkZone: "us-east"},
		{ID: 5, Name: "hil", Description: "Hillsboro, OR", Country: "US", City: "Hillsboro, OR", Latitude: 45.54222, Longitude: -122.951924, NetworkZone: "us-west"},
		{ID: 6, Name: "sin", Description: "Singapore", Country: "SG", City: "Singapore", Latitude: 1.283333, Longitude: 103.833333, NetworkZone: "ap-southeast"},
	}

	europe = []string{"fsn1", "nbg1", "hel1"}
	all    = []string{"fsn1", "nbg1", "hel1", "ash", "hil", "sin"}

	// seedServerTypes: name, cores, memory GB, disk GB, cpu type,
	// architecture, where it is sold.
	seedServerTypes = []struct {
		name             string
		cores            int
		memory           float32
		disk             int
		cpu, arch, descr string
		where            []string
	}{
		{"cx22", 2, 4, 40, "shared", "x86", "CX22", europe},
		{"cx32", 4, 8, 80, "shared", "x86", "CX32", europe},
		{"cx42", 8, 16, 160, "shared", "x86", "CX42", europe},
		{"cx52", 16, 32, 320, "shared", "x86", "CX52", europe},
		{"cpx11", 2, 2, 40, "shared", "x86", "CPX 11", all},
		{"cpx21", 3, 4, 80, "shared", "x86", "CPX 21", all},
		{"cpx31", 4, 8, 160, "shared", "x86", "CPX 31", all},
		{"cpx41", 8, 16, 240, "shared", "x86", "CPX 41", all},
		{"cpx51", 16, 32, 360, "shared", "x86", "CPX 51", all},
		{"cax11", 2, 4, 40, "shared", "arm", "CAX11", europe},
		{"cax21", 4, 8, 80, "shared", "arm", "CAX21", europe},
		{"cax31", 8, 16, 160, "shared", "arm", "CAX31", europe},
		{"cax41", 16, 32, 320, "shared", "arm", "CAX41", europe},
		{"ccx13", 2, 8, 80, "dedicated", "x86", "CCX13 Dedicated CPU", all},
		{"ccx23", 4, 16, 160, "dedicated", "x86", "CCX23 Dedicated CPU", all},
		{"ccx33", 8, 32, 240, "dedicated", "x86", "CCX33 Dedicated CPU", all},
		{"ccx43", 16, 64, 360, "dedicated", "x86", "CCX43 Dedicated CPU", all},
		{"ccx53", 32, 128, 600, "dedicated", "x86", "CCX53 Dedicated CPU", all},
		{"ccx63", 48, 192, 960, "dedicated", "x86", "CCX63 Dedicated CPU", all},
		// A retired type, so clients can be tested against deprecations.
		{"cx11", 1, 2, 20, "shared", "x86", "CX11", europe},
	}

	seedImages = []struct{ name, flavor, version, descr string }{
		{"debian-12", "debian", "12", "Debian 12"},
		{"debian-13", "debian", "13", "Debian 13"},
		{"ubuntu-24.04", "ubuntu", "24.04", "Ubuntu 24.04"},
	}
)

func (f *Fake) seedCatalog() {
	for i := range seedLocations {
		l := seedLocations[i]
		f.locations = append(f.locations, &l)
	}
	for i, s := range seedServerTypes {
		st := &schema.ServerType{
			ID: int64(100 + i), Name: s.name, Description: s.descr, Cores: s.cores, Memory: s.memory,
			Disk: s.disk, StorageType: "local", CPUType: s.cpu, Architecture: s.arch,
			Category: map[string]string{"shared": "shared_vcpu", "dedicated": "dedicated_vcpu"}[s.cpu],
		}
		for _, name := range s.where {
			l := f.location(name)
			st.Locations = append(st.Locations, schema.ServerTypeLocation{ID: l.ID, Name: l.Name, Available: true, Recommended: true})
		}
		f.serverTypes = append(f.serverTypes, st)
	}
	f.deprecate("cx11", time.Date(2024, 6, 6, 0, 0, 0, 0, time.UTC), time.Date(2024, 9, 6, 0, 0, 0, 0, time.UTC))

	created := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, img := range seedImages {
		for j, arch := range []string{"x86", "arm"} {
			f.images = append(f.images, &schema.Image{
				ID: int64(1000 + 2*i + j), Status: "available", Type: "system", Name: ptr(img.name),
				Description: img.descr, DiskSize: 5, Created: &created, OSFlavor: img.flavor,
				OSVersion: ptr(img.version), Architecture: arch, RapidDeploy: true, Labels: map[string]string{},
			})
		}
	}
}

// DeprecateServerType marks a server type deprecated in every location
// where it is sold: announced now, orderable until unavailableAfter.
func (f *Fake) DeprecateServerType(name string, unavailableAfter time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.deprecate(name, time.Now().UTC(), unavailableAfter) {
		f.t.Fatalf("hcloudfake: no server type %q", name)
	}
}

func (f *Fake) deprecate(name string, announced, unavailableAfter time.Time) bool {
	st := f.serverType(schema.IDOrName{Name: name})
	if st == nil {
		return false
	}
	d := &schema.DeprecationInfo{Announced: announced, UnavailableAfter: unavailableAfter}
	st.Deprecated = true
	st.Deprecation = d
	for i := range st.Locations {
		st.Locations[i].Deprecation = d
		st.Locations[i].Available = time.Now().Before(unavailableAfter)
	}
	return true
}

func (f *Fake) catalogRoutes() map[string]handler {
	return map[string]handler{
		"GET /locations": func(r *http.Request) response {
			return listCatalog(f, r, "locations", f.locations, func(l *schema.Location) (int64, string) { return l.ID, l.Name }, nil)
		},
		"GET /server_types": func(r *http.Request) response {
			return listCatalog(f, r, "server_types", f.serverTypes, func(s *schema.ServerType) (int64, string) { return s.ID, s.Name }, nil)
		},
		"GET /images": func(r *http.Request) response {
			q := r.URL.Query()
			sel, err := parseSelector(q.Get("label_selector"))
			if err != nil {
				return err.response()
			}
			return listCatalog(f, r, "images", f.images, func(i *schema.Image) (int64, string) { return i.ID, *i.Name }, func(i *schema.Image) bool {
				return oneOf(q["type"], i.Type) && oneOf(q["architecture"], i.Architecture) &&
					oneOf(q["status"], i.Status) && sel.matches(i.Labels) &&
					(i.Deprecated == nil || q.Get("include_deprecated") == "true")
			})
		},
		"GET /locations/{id}": func(r *http.Request) response {
			return getCatalog(r, "location", f.locations, func(l *schema.Location) int64 { return l.ID })
		},
		"GET /server_types/{id}": func(r *http.Request) response {
			return getCatalog(r, "server_type", f.serverTypes, func(s *schema.ServerType) int64 { return s.ID })
		},
		"GET /images/{id}": func(r *http.Request) response {
			return getCatalog(r, "image", f.images, func(i *schema.Image) int64 { return i.ID })
		},
	}
}

// listCatalog answers a list of catalogue entries, filtered by name and
// keep (nil keeps everything).
func listCatalog[T any](f *Fake, r *http.Request, key string, items []*T, idName func(*T) (int64, string), keep func(*T) bool) response {
	q := r.URL.Query()
	var out []*T
	for _, item := range items {
		_, name := idName(item)
		if (q.Get("name") == "" || q.Get("name") == name) && (keep == nil || keep(item)) {
			out = append(out, item)
		}
	}
	return page(q, f.maxPerPage, key, out)
}

func getCatalog[T any](r *http.Request, key string, items []*T, id func(*T) int64) response {
	want, _ := pathID(r)
	for _, item := range items {
		if id(item) == want {
			return ok(map[string]any{key: item})
		}
	}
	return notFound(key).response()
}

// oneOf reports whether v is one of the wanted values, or nothing is wanted.
func oneOf(wanted []string, v string) bool {
	return len(wanted) == 0 || slices.Contains(wanted, v)
}

// location finds a location by name or ID.
func (f *Fake) location(nameOrID string) *schema.Location {
	for _, l := range f.locations {
		if l.Name == nameOrID || strconv.FormatInt(l.ID, 10) == nameOrID {
			return l
		}
	}
	return nil
}

func (f *Fake) serverType(want schema.IDOrName) *schema.ServerType {
	for _, st := range f.serverTypes {
		if st.ID == want.ID || st.Name == want.Name {
			return st
		}
	}
	return nil
}

// image finds an image by ID, or by name for an architecture: the API
// picks the image of a name that fits the server type.
func (f *Fake) image(want schema.IDOrName, arch string) *schema.Image {
	for _, img := range f.images {
		if img.ID == want.ID || (*img.Name == want.Name && img.Architecture == arch) {
			return img
		}
	}
	return nil
}
