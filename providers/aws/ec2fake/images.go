package ec2fake

import (
	"cmp"
	"crypto/sha256"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// An Image is an AMI, for AddImage.
type Image struct {
	// ID is the image's ID; AddImage makes one from owner and name if
	// empty, so seeded images have the same ID in every fake.
	ID string
	// Name is the image's name, such as
	// "nixos/26.05.1874.0a1b2c3d4e5f-x86_64-linux".
	Name string
	// OwnerID is the account that published it; default NixOSOwner.
	OwnerID string
	// Architecture is "x86_64" or "arm64".
	Architecture string
	// CreationDate is when it was registered.
	CreationDate time.Time
	// State is "available" (the default), "pending", "failed"…
	State string
	// RootDeviceName is the device of its root volume; default /dev/xvda.
	RootDeviceName string
	// RootSizeGiB is the size of its root snapshot, the least a root
	// volume of its instances may have; default 4.
	RootSizeGiB int
	// Description describes it.
	Description string
}

type image struct {
	id, name, owner, arch, state string
	rootDevice, snapshot, descr  string
	rootSize                     int
	created                      time.Time
	seq                          int64
}

// seedNixOSImages are NixOS's images as its account publishes them: a
// few 26.05 builds per architecture, the newest aarch64 one still being
// registered, and older 25.11 ones.
var seedNixOSImages = []struct {
	name, state string
	created     string
}{
	{"nixos/25.11.4521.1a2b3c4d5e6f-x86_64-linux", "", "2026-01-12T06:41:09Z"},
	{"nixos/25.11.4521.1a2b3c4d5e6f-aarch64-linux", "", "2026-01-12T06:47:33Z"},
	{"nixos/25.11.5012.abcdef012345-x86_64-linux", "", "2026-03-03T11:20:45Z"},
	{"nixos/25.11.5012.abcdef012345-aarch64-linux", "", "2026-03-03T11:26:02Z"},
	{"nixos/26.05.1203.4f3a9c2b7d10-x86_64-linux", "", "2026-06-02T09:14:51Z"},
	{"nixos/26.05.1203.4f3a9c2b7d10-aarch64-linux", "", "2026-06-02T09:20:11Z"},
	{"nixos/26.05.1587.9e8d7c6b5a40-x86_64-linux", "", "2026-06-21T08:02:17Z"},
	{"nixos/26.05.1711.5c6d7e8f9a0b-aarch64-linux", "", "2026-06-30T07:31:40Z"},
	{"nixos/26.05.1874.0a1b2c3d4e5f-x86_64-linux", "", "2026-07-09T10:45:03Z"},
	{"nixos/26.05.1874.0a1b2c3d4e5f-aarch64-linux", "pending", "2026-07-09T10:52:36Z"},
}

// impostorOwner publishes an image named like NixOS's: a client that
// does not ask for NixOSOwner's images would take it.
const impostorOwner = "210987654321"

func (f *Fake) seedImages() {
	for _, s := range seedNixOSImages {
		created, _ := time.Parse(time.RFC3339, s.created)
		arch := "x86_64"
		if strings.HasSuffix(s.name, "-aarch64-linux") {
			arch = "arm64"
		}
		f.addImage(Image{Name: s.name, Architecture: arch, CreationDate: created, State: s.state})
	}
	f.addImage(Image{
		Name: "nixos/26.05.9999.deadbeef0042-x86_64-linux", OwnerID: impostorOwner, Architecture: "x86_64",
		CreationDate: time.Date(2026, 8, 1, 12, 0, 0, 0, time.UTC), Description: "NixOS 26.05 (totally official)",
	})
}

// AddImage adds an image to the region's catalogue, or replaces the one
// with its ID, and returns its ID.
func (f *Fake) AddImage(img Image) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.addImage(img)
}

func (f *Fake) addImage(img Image) string {
	if img.OwnerID == "" {
		img.OwnerID = NixOSOwner
	}
	if img.ID == "" {
		img.ID = fmt.Sprintf("ami-0%x", sha256.Sum256([]byte(img.OwnerID+"/"+img.Name)))[:21]
	}
	if img.State == "" {
		img.State = "available"
	}
	if img.RootDeviceName == "" {
		img.RootDeviceName = "/dev/xvda"
	}
	if img.RootSizeGiB == 0 {
		img.RootSizeGiB = 4
	}
	if img.Description == "" {
		img.Description = strings.Replace(strings.TrimPrefix(img.Name, "nixos/"), "-", " ", 1)
		if img.OwnerID == NixOSOwner {
			img.Description = "NixOS " + img.Description
		}
	}
	seq := f.seq + 1
	if old := f.images[img.ID]; old != nil {
		seq = old.seq
	} else {
		f.seq++
	}
	f.images[img.ID] = &image{
		id: img.ID, name: img.Name, owner: img.OwnerID, arch: img.Architecture, state: img.State,
		rootDevice: img.RootDeviceName, snapshot: "snap-" + img.ID[4:], descr: img.Description,
		rootSize: img.RootSizeGiB, created: img.CreationDate.UTC(), seq: seq,
	}
	return img.ID
}

// DefaultNixOSImage is the ID of the newest available 26.05 image of
// NixOS's account for an architecture ("x86_64" or "arm64"; Nix's
// "x86_64-linux" and "aarch64-linux" also do): what a correct lookup of
// the release's image finds among the seeded ones, passing over newer
// images that are pending or published by someone else. "" if none.
func (f *Fake) DefaultNixOSImage(arch string) string {
	arch = ec2Arch(arch)
	f.mu.Lock()
	defer f.mu.Unlock()
	var best *image
	for _, img := range f.images {
		if img.owner == NixOSOwner && img.arch == arch && img.state == "available" && strings.HasPrefix(img.name, "nixos/26.05.") &&
			(best == nil || img.created.After(best.created)) {
			best = img
		}
	}
	if best == nil {
		return ""
	}
	return best.id
}

// ec2Arch is EC2's name of an architecture.
func ec2Arch(arch string) string {
	switch strings.TrimSuffix(arch, "-linux") {
	case "aarch64", "arm64":
		return "arm64"
	case "x86_64", "amd64":
		return "x86_64"
	}
	return arch
}

// imageOf finds the image a launch names.
func (f *Fake) imageOf(id string) (*image, *apiError) {
	if err := malformed(id, "ami"); err != nil {
		return nil, err
	}
	img := f.images[id]
	switch {
	case img == nil:
		return nil, notFound(id)
	case img.state != "available":
		return nil, errorf("InvalidAMIID.Unavailable", "The image id '[%s]' is not available (it is %s)", id, img.state)
	}
	return img, nil
}

type imageXML struct {
	ImageID        string        `xml:"imageId"`
	ImageLocation  string        `xml:"imageLocation"`
	State          string        `xml:"imageState"`
	OwnerID        string        `xml:"imageOwnerId"`
	CreationDate   string        `xml:"creationDate"`
	IsPublic       bool          `xml:"isPublic"`
	Architecture   string        `xml:"architecture"`
	ImageType      string        `xml:"imageType"`
	Name           string        `xml:"name"`
	Description    string        `xml:"description"`
	RootDeviceType string        `xml:"rootDeviceType"`
	RootDeviceName string        `xml:"rootDeviceName"`
	BlockDevices   []imageBDMXML `xml:"blockDeviceMapping>item"`
	Virtualization string        `xml:"virtualizationType"`
	Hypervisor     string        `xml:"hypervisor"`
	EnaSupport     bool          `xml:"enaSupport"`
	SriovNet       string        `xml:"sriovNetSupport"`
	BootMode       string        `xml:"bootMode"`
	ImdsSupport    string        `xml:"imdsSupport"`
	Platform       string        `xml:"platformDetails"`
	UsageOperation string        `xml:"usageOperation"`
}

type imageBDMXML struct {
	DeviceName string `xml:"deviceName"`
	Ebs        struct {
		SnapshotID          string `xml:"snapshotId"`
		VolumeSize          int    `xml:"volumeSize"`
		DeleteOnTermination bool   `xml:"deleteOnTermination"`
		VolumeType          string `xml:"volumeType"`
		Encrypted           bool   `xml:"encrypted"`
	} `xml:"ebs"`
}

func (img *image) xml() imageXML {
	var bdm imageBDMXML
	bdm.DeviceName = img.rootDevice
	bdm.Ebs.SnapshotID, bdm.Ebs.VolumeSize, bdm.Ebs.DeleteOnTermination, bdm.Ebs.VolumeType = img.snapshot, img.rootSize, true, "gp3"
	bootMode := "legacy-bios"
	if img.arch == "arm64" {
		bootMode = "uefi"
	}
	return imageXML{
		ImageID: img.id, ImageLocation: img.owner + "/" + img.name, State: img.state, OwnerID: img.owner,
		CreationDate: timestamp(img.created), IsPublic: true, Architecture: img.arch, ImageType: "machine",
		Name: img.name, Description: img.descr, RootDeviceType: "ebs", RootDeviceName: img.rootDevice,
		BlockDevices: []imageBDMXML{bdm}, Virtualization: "hvm", Hypervisor: "xen", EnaSupport: true,
		SriovNet: "simple", BootMode: bootMode, ImdsSupport: "v2.0", Platform: "Linux/UNIX", UsageOperation: "RunInstances",
	}
}

var imageFilters = filterDefs[*image]{
	"image-id":                         func(i *image) []string { return one(i.id) },
	"name":                             func(i *image) []string { return one(i.name) },
	"architecture":                     func(i *image) []string { return one(i.arch) },
	"state":                            func(i *image) []string { return one(i.state) },
	"owner-id":                         func(i *image) []string { return one(i.owner) },
	"description":                      func(i *image) []string { return one(i.descr) },
	"creation-date":                    func(i *image) []string { return one(timestamp(i.created)) },
	"is-public":                        func(*image) []string { return boolValue(true) },
	"image-type":                       func(*image) []string { return one("machine") },
	"root-device-name":                 func(i *image) []string { return one(i.rootDevice) },
	"root-device-type":                 func(*image) []string { return one("ebs") },
	"virtualization-type":              func(*image) []string { return one("hvm") },
	"hypervisor":                       func(*image) []string { return one("xen") },
	"platform-details":                 func(*image) []string { return one("Linux/UNIX") },
	"block-device-mapping.snapshot-id": func(i *image) []string { return one(i.snapshot) },
	"block-device-mapping.volume-size": func(i *image) []string { return one(strconv.Itoa(i.rootSize)) },
}

type describeImagesResponse struct {
	head
	Images    []imageXML `xml:"imagesSet>item"`
	NextToken string     `xml:"nextToken,omitempty"`
}

// describeImages lists images by ID, owner (an account, or "self") and
// filters. Every image is public.
func (f *Fake) describeImages(p params) (any, *apiError) {
	images := slices.Collect(maps.Values(f.images))
	slices.SortFunc(images, func(a, b *image) int { return cmp.Compare(a.seq, b.seq) })
	if ids := p.list("ImageId"); len(ids) > 0 {
		var named []*image
		for _, id := range ids {
			if err := malformed(id, "ami"); err != nil {
				return nil, err
			}
			img := f.images[id]
			if img == nil {
				return nil, notFound(id)
			}
			named = append(named, img)
		}
		images = named
	}
	if owners := p.list("Owner"); len(owners) > 0 {
		for i, o := range owners {
			if o == "self" {
				owners[i] = f.accountID
			}
		}
		images = slices.DeleteFunc(images, func(img *image) bool { return !slices.Contains(owners, img.owner) })
	}
	images, err := filterItems(p, imageFilters, nil, images)
	var next string
	if err == nil {
		images, next, err = page(f, p, "DescribeImages", images, func(i *image) int64 { return i.seq }, 1000)
	}
	if err != nil {
		return nil, err
	}
	out := &describeImagesResponse{NextToken: next}
	for _, img := range images {
		out.Images = append(out.Images, img.xml())
	}
	return out, nil
}
