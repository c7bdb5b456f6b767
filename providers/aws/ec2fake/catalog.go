package ec2fake

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The catalogue is what the region offers and nobody makes with this
// API: images, instance types and availability zones.

// An instanceType is what EC2 sells: its architectures, vCPUs (cores ×
// threads), memory and clock.
type instanceType struct {
	name         string
	archs        []string
	vcpus, cores int
	memory       int // MiB
	ghz          float64
	manufacturer string
	burstable    bool
	freeTier     bool
	currentGen   bool
}

// instanceTypes is the fake's catalogue: a few burstable, general purpose
// and compute types for each architecture.
var instanceTypes = []*instanceType{
	{"t3.micro", []string{"x86_64"}, 2, 1, 1024, 2.5, "Intel", true, true, true},
	{"t3.small", []string{"x86_64"}, 2, 1, 2048, 2.5, "Intel", true, false, true},
	{"t3.medium", []string{"x86_64"}, 2, 1, 4096, 2.5, "Intel", true, false, true},
	{"t3.large", []string{"x86_64"}, 2, 1, 8192, 2.5, "Intel", true, false, true},
	{"t3.xlarge", []string{"x86_64"}, 4, 2, 16384, 2.5, "Intel", true, false, true},
	{"m7i.large", []string{"x86_64"}, 2, 1, 8192, 3.2, "Intel", false, false, true},
	{"m7i.xlarge", []string{"x86_64"}, 4, 2, 16384, 3.2, "Intel", false, false, true},
	{"c7i.large", []string{"x86_64"}, 2, 1, 4096, 3.2, "Intel", false, false, true},
	{"t4g.micro", []string{"arm64"}, 2, 2, 1024, 2.5, "AWS", true, true, true},
	{"t4g.small", []string{"arm64"}, 2, 2, 2048, 2.5, "AWS", true, false, true},
	{"t4g.medium", []string{"arm64"}, 2, 2, 4096, 2.5, "AWS", true, false, true},
	{"m7g.large", []string{"arm64"}, 2, 2, 8192, 2.6, "AWS", false, false, true},
	{"m7g.xlarge", []string{"arm64"}, 4, 4, 16384, 2.6, "AWS", false, false, true},
	{"c7gn.large", []string{"arm64"}, 2, 2, 4096, 2.6, "AWS", false, false, true},
}

func instanceTypeNamed(name string) *instanceType {
	for _, t := range instanceTypes {
		if t.name == name {
			return t
		}
	}
	return nil
}

type instanceTypeXML struct {
	InstanceType        string   `xml:"instanceType"`
	CurrentGeneration   bool     `xml:"currentGeneration"`
	FreeTierEligible    bool     `xml:"freeTierEligible"`
	UsageClasses        []string `xml:"supportedUsageClasses>item"`
	RootDeviceTypes     []string `xml:"supportedRootDeviceTypes>item"`
	VirtualizationTypes []string `xml:"supportedVirtualizationTypes>item"`
	BareMetal           bool     `xml:"bareMetal"`
	Hypervisor          string   `xml:"hypervisor"`
	ProcessorInfo       struct {
		Architectures []string `xml:"supportedArchitectures>item"`
		ClockGhz      float64  `xml:"sustainedClockSpeedInGhz"`
		Manufacturer  string   `xml:"manufacturer"`
	} `xml:"processorInfo"`
	VCpuInfo struct {
		DefaultVCpus          int `xml:"defaultVCpus"`
		DefaultCores          int `xml:"defaultCores"`
		DefaultThreadsPerCore int `xml:"defaultThreadsPerCore"`
	} `xml:"vCpuInfo"`
	MemoryInfo struct {
		SizeInMiB int `xml:"sizeInMiB"`
	} `xml:"memoryInfo"`
	InstanceStorageSupported bool     `xml:"instanceStorageSupported"`
	BootModes                []string `xml:"supportedBootModes>item"`
	Burstable                bool     `xml:"burstablePerformanceSupported"`
	Hibernation              bool     `xml:"hibernationSupported"`
	AutoRecovery             bool     `xml:"autoRecoverySupported"`
}

func (t *instanceType) xml() instanceTypeXML {
	out := instanceTypeXML{
		InstanceType: t.name, CurrentGeneration: t.currentGen, FreeTierEligible: t.freeTier,
		UsageClasses: []string{"on-demand", "spot"}, RootDeviceTypes: []string{"ebs"},
		VirtualizationTypes: []string{"hvm"}, Hypervisor: "nitro", Burstable: t.burstable,
		Hibernation: true, AutoRecovery: true, BootModes: []string{"uefi"},
	}
	if t.archs[0] == "x86_64" {
		out.BootModes = []string{"legacy-bios", "uefi"}
	}
	out.ProcessorInfo.Architectures, out.ProcessorInfo.ClockGhz, out.ProcessorInfo.Manufacturer = t.archs, t.ghz, t.manufacturer
	out.VCpuInfo.DefaultVCpus, out.VCpuInfo.DefaultCores = t.vcpus, t.cores
	out.VCpuInfo.DefaultThreadsPerCore = t.vcpus / t.cores
	out.MemoryInfo.SizeInMiB = t.memory
	return out
}

var instanceTypeFilters = filterDefs[*instanceType]{
	"instance-type":                         func(t *instanceType) []string { return one(t.name) },
	"processor-info.supported-architecture": func(t *instanceType) []string { return t.archs },
	"processor-info.manufacturer":           func(t *instanceType) []string { return one(t.manufacturer) },
	"vcpu-info.default-vcpus":               func(t *instanceType) []string { return one(strconv.Itoa(t.vcpus)) },
	"vcpu-info.default-cores":               func(t *instanceType) []string { return one(strconv.Itoa(t.cores)) },
	"memory-info.size-in-mib":               func(t *instanceType) []string { return one(strconv.Itoa(t.memory)) },
	"current-generation":                    func(t *instanceType) []string { return boolValue(t.currentGen) },
	"free-tier-eligible":                    func(t *instanceType) []string { return boolValue(t.freeTier) },
	"burstable-performance-supported":       func(t *instanceType) []string { return boolValue(t.burstable) },
	"bare-metal":                            func(*instanceType) []string { return boolValue(false) },
	"hypervisor":                            func(*instanceType) []string { return one("nitro") },
	"supported-usage-class":                 func(*instanceType) []string { return []string{"on-demand", "spot"} },
	"supported-root-device-type":            func(*instanceType) []string { return one("ebs") },
	"supported-virtualization-type":         func(*instanceType) []string { return one("hvm") },
}

type describeInstanceTypesResponse struct {
	head
	InstanceTypes []instanceTypeXML `xml:"instanceTypeSet>item"`
	NextToken     string            `xml:"nextToken,omitempty"`
}

// describeInstanceTypes lists instance types; an unknown type named in
// InstanceType.N fails the request, one in a filter is just not listed.
func (f *Fake) describeInstanceTypes(p params) (any, *apiError) {
	types := instanceTypes
	if names := p.list("InstanceType"); len(names) > 0 {
		types = nil
		var unknown []string
		for _, name := range names {
			if t := instanceTypeNamed(name); t != nil {
				types = append(types, t)
			} else {
				unknown = append(unknown, name)
			}
		}
		if len(unknown) > 0 {
			return nil, errorf("InvalidInstanceType", "The following supplied instance types do not exist: [%s]", strings.Join(unknown, ", "))
		}
	}
	types, err := filterItems(p, instanceTypeFilters, nil, types)
	var next string
	if err == nil {
		index := func(t *instanceType) int64 { return int64(slices.Index(instanceTypes, t)) + 1 }
		types, next, err = page(f, p, "DescribeInstanceTypes", types, index, 100)
	}
	if err != nil {
		return nil, err
	}
	out := &describeInstanceTypesResponse{NextToken: next}
	for _, t := range types {
		out.InstanceTypes = append(out.InstanceTypes, t.xml())
	}
	return out, nil
}

// zones are the region's availability zones.
func (f *Fake) zones() []string {
	return []string{f.region + "a", f.region + "b", f.region + "c"}
}

// directions abbreviate the middle of region names in zone IDs.
var directions = map[string]string{
	"central": "c", "north": "n", "south": "s", "east": "e", "west": "w",
	"northeast": "ne", "northwest": "nw", "southeast": "se", "southwest": "sw",
}

// zoneID is a zone's ID, such as euc1-az1: the region's short code and
// the zone's number.
func (f *Fake) zoneID(zone string) string {
	suffix := strings.TrimPrefix(zone, f.region)
	if len(suffix) != 1 {
		return ""
	}
	code := f.region
	if parts := strings.Split(f.region, "-"); len(parts) == 3 {
		dir, ok := directions[parts[1]]
		if !ok {
			dir = parts[1][:1]
		}
		code = parts[0] + dir + parts[2]
	}
	return fmt.Sprintf("%s-az%d", code, suffix[0]-'a'+1)
}

type zoneXML struct {
	ZoneName           string `xml:"zoneName"`
	ZoneID             string `xml:"zoneId"`
	ZoneState          string `xml:"zoneState"`
	RegionName         string `xml:"regionName"`
	GroupName          string `xml:"groupName"`
	NetworkBorderGroup string `xml:"networkBorderGroup"`
	OptInStatus        string `xml:"optInStatus"`
	ZoneType           string `xml:"zoneType"`
}

func (f *Fake) zoneXML(zone string) zoneXML {
	return zoneXML{
		ZoneName: zone, ZoneID: f.zoneID(zone), ZoneState: "available", RegionName: f.region,
		GroupName: f.region, NetworkBorderGroup: f.region, OptInStatus: "opt-in-not-required", ZoneType: "availability-zone",
	}
}

func (f *Fake) zoneFilters() filterDefs[string] {
	return filterDefs[string]{
		"zone-name":            func(z string) []string { return one(z) },
		"zone-id":              func(z string) []string { return one(f.zoneID(z)) },
		"state":                func(string) []string { return one("available") },
		"region-name":          func(string) []string { return one(f.region) },
		"group-name":           func(string) []string { return one(f.region) },
		"network-border-group": func(string) []string { return one(f.region) },
		"opt-in-status":        func(string) []string { return one("opt-in-not-required") },
		"zone-type":            func(string) []string { return one("availability-zone") },
	}
}

type describeZonesResponse struct {
	head
	Zones []zoneXML `xml:"availabilityZoneInfo>item"`
}

// describeAvailabilityZones lists the region's zones, all available;
// EC2 does not paginate them.
func (f *Fake) describeAvailabilityZones(p params) (any, *apiError) {
	zones := f.zones()
	names, ids := p.list("ZoneName"), p.list("ZoneId")
	if len(names) > 0 || len(ids) > 0 {
		var named []string
		for _, name := range names {
			if !slices.Contains(zones, name) {
				return nil, errorf("InvalidParameterValue", "Invalid availability zone: [%s]", name)
			}
			named = append(named, name)
		}
		for _, id := range ids {
			i := slices.IndexFunc(zones, func(z string) bool { return f.zoneID(z) == id })
			if i < 0 {
				return nil, errorf("InvalidParameterValue", "Invalid availability zone ID: [%s]", id)
			}
			named = append(named, zones[i])
		}
		zones = slices.DeleteFunc(zones, func(z string) bool { return !slices.Contains(named, z) })
	}
	zones, err := filterItems(p, f.zoneFilters(), nil, zones)
	if err != nil {
		return nil, err
	}
	out := &describeZonesResponse{}
	for _, z := range zones {
		out.Zones = append(out.Zones, f.zoneXML(z))
	}
	return out, nil
}
