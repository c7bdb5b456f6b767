package ec2fake

import (
	"regexp"
	"slices"
	"strconv"
	"time"
)

// A volume is an EBS volume in one zone, attached to at most one
// instance.
type volume struct {
	meta
	zone       string
	size       int // GiB
	vtype      string
	iops       int
	throughput int
	state      string    // creating, available or in-use
	until      time.Time // when creating ends
	created    time.Time
	attachment *volumeAttachment
	mod        *modification
}

type volumeAttachment struct {
	instance, device    string
	state               string    // attaching, attached or detaching
	until               time.Time // when attaching or detaching ends
	at                  time.Time
	deleteOnTermination bool
}

// A modification is a ModifyVolume in progress: modifying, then
// optimizing (from when the new size counts), then completed.
type modification struct {
	state                            string
	until, start, end                time.Time
	origSize, targetSize             int
	origType, targetType             string
	origIops, targetIops             int
	origThroughput, targetThroughput int
}

// volumeTypes are EBS's volume types and the sizes they allow, in GiB.
var volumeTypes = map[string][2]int{
	"gp2": {1, 16384}, "gp3": {1, 16384}, "io1": {4, 16384}, "io2": {4, 65536},
	"st1": {125, 16384}, "sc1": {125, 16384}, "standard": {1, 1024},
}

// performance is what a volume of a type and size performs when the
// request does not say: gp3's baseline of 3000 IOPS and 125 MiB/s, gp2's
// 3 IOPS per GiB (at least 100).
func performance(vtype string, size int) (iops, throughput int) {
	switch vtype {
	case "gp3":
		return 3000, 125
	case "gp2":
		return min(max(100, 3*size), 16000), 0
	}
	return 0, 0
}

type volumeXML struct {
	VolumeID         string         `xml:"volumeId"`
	Size             int            `xml:"size"`
	SnapshotID       string         `xml:"snapshotId"`
	AvailabilityZone string         `xml:"availabilityZone"`
	ZoneID           string         `xml:"availabilityZoneId"`
	Status           string         `xml:"status"`
	CreateTime       string         `xml:"createTime"`
	Attachments      []volAttachXML `xml:"attachmentSet>item"`
	VolumeType       string         `xml:"volumeType"`
	Iops             int            `xml:"iops,omitempty"`
	Throughput       int            `xml:"throughput,omitempty"`
	Encrypted        bool           `xml:"encrypted"`
	MultiAttach      bool           `xml:"multiAttachEnabled"`
	Tags             []tagXML       `xml:"tagSet>item"`
	Arn              string         `xml:"volumeArn"`
}

type volAttachXML struct {
	VolumeID            string `xml:"volumeId"`
	InstanceID          string `xml:"instanceId"`
	Device              string `xml:"device"`
	Status              string `xml:"status"`
	AttachTime          string `xml:"attachTime"`
	DeleteOnTermination bool   `xml:"deleteOnTermination"`
}

func (v *volume) attachXML() volAttachXML {
	a := v.attachment
	return volAttachXML{VolumeID: v.id, InstanceID: a.instance, Device: a.device, Status: a.state,
		AttachTime: timestamp(a.at), DeleteOnTermination: a.deleteOnTermination}
}

func (f *Fake) volumeXML(v *volume) volumeXML {
	out := volumeXML{
		VolumeID: v.id, Size: v.size, AvailabilityZone: v.zone, ZoneID: f.zoneID(v.zone), Status: v.state,
		CreateTime: timestamp(v.created), VolumeType: v.vtype, Iops: v.iops, Throughput: v.throughput,
		Tags: tagSet(v.tags), Arn: f.arn("volume", v.id),
	}
	if v.attachment != nil {
		out.Attachments = []volAttachXML{v.attachXML()}
	}
	return out
}

func (f *Fake) volumeFilters() filterDefs[*volume] {
	attached := func(get func(*volumeAttachment) string) func(*volume) []string {
		return func(v *volume) []string {
			if v.attachment == nil {
				return nil
			}
			return one(get(v.attachment))
		}
	}
	return filterDefs[*volume]{
		"volume-id":              func(v *volume) []string { return one(v.id) },
		"status":                 func(v *volume) []string { return one(v.state) },
		"size":                   func(v *volume) []string { return one(strconv.Itoa(v.size)) },
		"volume-type":            func(v *volume) []string { return one(v.vtype) },
		"availability-zone":      func(v *volume) []string { return one(v.zone) },
		"availability-zone-id":   func(v *volume) []string { return one(f.zoneID(v.zone)) },
		"create-time":            func(v *volume) []string { return one(timestamp(v.created)) },
		"encrypted":              func(*volume) []string { return boolValue(false) },
		"multi-attach-enabled":   func(*volume) []string { return boolValue(false) },
		"iops":                   func(v *volume) []string { return one(strconv.Itoa(v.iops)) },
		"throughput":             func(v *volume) []string { return one(strconv.Itoa(v.throughput)) },
		"attachment.instance-id": attached(func(a *volumeAttachment) string { return a.instance }),
		"attachment.device":      attached(func(a *volumeAttachment) string { return a.device }),
		"attachment.status":      attached(func(a *volumeAttachment) string { return a.state }),
		"attachment.attach-time": attached(func(a *volumeAttachment) string { return timestamp(a.at) }),
		"attachment.delete-on-termination": attached(func(a *volumeAttachment) string {
			return strconv.FormatBool(a.deleteOnTermination)
		}),
	}
}

type describeVolumesResponse struct {
	head
	Volumes   []volumeXML `xml:"volumeSet>item"`
	NextToken string      `xml:"nextToken,omitempty"`
}

func (f *Fake) describeVolumes(p params) (any, *apiError) {
	ids := p.list("VolumeId")
	if len(ids) > 0 && p.has("MaxResults") {
		return nil, errorf("InvalidParameterCombination", "The parameter volumeSet cannot be used with the parameter maxResults")
	}
	volumes, err := selectIDs(f, f.volumes, ids)
	if err == nil {
		volumes, err = filterItems(p, f.volumeFilters(), tagsOf, volumes)
	}
	var next string
	if err == nil {
		volumes, next, err = page(f, p, "DescribeVolumes", volumes, seqOf, 500)
	}
	if err != nil {
		return nil, err
	}
	out := &describeVolumesResponse{NextToken: next}
	for _, v := range volumes {
		out.Volumes = append(out.Volumes, f.volumeXML(v))
	}
	return out, nil
}

type createVolumeResponse struct {
	head
	volumeXML
}

// createVolume makes an empty volume, creating for the operation time.
// With a ClientToken, a retry answers the volume the first request made.
func (f *Fake) createVolume(p params) (any, *apiError) {
	id, err := f.idempotent("CreateVolume", p)
	if err != nil {
		return nil, err
	}
	if v := f.volumes[id]; v != nil {
		return &createVolumeResponse{volumeXML: f.volumeXML(v)}, nil
	}
	zone := p.str("AvailabilityZone")
	if zone == "" && p.str("AvailabilityZoneId") != "" {
		for _, z := range f.zones() {
			if f.zoneID(z) == p.str("AvailabilityZoneId") {
				zone = z
			}
		}
		if zone == "" {
			return nil, errorf("InvalidZone.NotFound", "The zone ID '%s' does not exist.", p.str("AvailabilityZoneId"))
		}
	}
	switch {
	case zone == "":
		return nil, errorf("MissingParameter", "The request must contain the parameter availabilityZone")
	case !slices.Contains(f.zones(), zone):
		return nil, errorf("InvalidZone.NotFound", "The zone '%s' does not exist.", zone)
	case p.str("SnapshotId") != "":
		return nil, errorf("InvalidSnapshot.NotFound", "The snapshot '%s' does not exist.", p.str("SnapshotId"))
	}
	size, ok, err := p.int("Size")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errorf("MissingParameter", "The request must contain the parameter size/snapshotId")
	}
	spec, err := parseVolumeSpec(p, "", size, "gp2")
	if err != nil {
		return nil, err
	}
	tags, err := p.tagSpecs("volume")
	if err != nil {
		return nil, err
	}
	v := f.addVolume(zone, spec, tags["volume"])
	f.hide(&v.meta)
	f.remember("CreateVolume", p, v.id)
	return &createVolumeResponse{volumeXML: f.volumeXML(v)}, nil
}

// A volumeSpec is what a volume is to be: its size, type and performance.
type volumeSpec struct {
	size, iops, throughput int
	vtype                  string
}

// parseVolumeSpec reads VolumeType, Iops and Throughput (under prefix) for a
// volume of size GiB, checked against the type's limits. The type is
// vtype when none is given: gp2 for CreateVolume, as EC2 documents.
func parseVolumeSpec(p params, prefix string, size int, vtype string) (volumeSpec, *apiError) {
	s := volumeSpec{size: size, vtype: p.str(prefix + "VolumeType")}
	if s.vtype == "" {
		s.vtype = vtype
	}
	limits, ok := volumeTypes[s.vtype]
	if !ok {
		return s, errorf("InvalidParameterValue", "Value (%s) for parameter volumeType is invalid. Valid values: standard, io1, io2, gp2, sc1, st1, gp3", s.vtype)
	}
	if size < limits[0] || size > limits[1] {
		return s, errorf("InvalidParameterValue", "Volume of %dGiB is not allowed for volume type %s: it takes %d to %d GiB", size, s.vtype, limits[0], limits[1])
	}
	s.iops, s.throughput = performance(s.vtype, size)
	if n, ok, err := p.int(prefix + "Iops"); err != nil {
		return s, err
	} else if ok {
		s.iops = n
	} else if s.vtype == "io1" || s.vtype == "io2" {
		return s, errorf("InvalidParameterCombination", "The parameter iops must be specified for %s volumes.", s.vtype)
	}
	if n, ok, err := p.int(prefix + "Throughput"); err != nil {
		return s, err
	} else if ok {
		if s.vtype != "gp3" {
			return s, errorf("InvalidParameterCombination", "Throughput can only be specified for gp3 volumes.")
		}
		s.throughput = n
	}
	return s, nil
}

// addVolume makes a volume that is creating for the operation time. The
// caller holds f.mu.
func (f *Fake) addVolume(zone string, spec volumeSpec, tags map[string]string) *volume {
	v := &volume{
		meta: f.newMeta("volume", "vol", tags), zone: zone, size: spec.size, vtype: spec.vtype,
		iops: spec.iops, throughput: spec.throughput, state: "creating", until: f.due(), created: f.now(),
	}
	f.volumes[v.id] = v
	f.register(v)
	f.advanceVolume(v, f.now())
	return v
}

// deviceName is what EC2 takes as the device of an EBS volume.
var deviceName = regexp.MustCompile(`^/dev/(sd[a-z]|xvd[a-z]{1,2}|sd[f-p][1-6])$`)

type attachVolumeResponse struct {
	head
	volAttachXML
}

// attachVolume attaches an available volume to a running or stopped
// instance of its zone, under a device name the instance does not use.
func (f *Fake) attachVolume(p params) (any, *apiError) {
	if err := p.require("VolumeId", "InstanceId", "Device"); err != nil {
		return nil, err
	}
	v, err := find(f, f.volumes, p.str("VolumeId"))
	if err != nil {
		return nil, err
	}
	i, err := find(f, f.instances, p.str("InstanceId"))
	if err != nil {
		return nil, err
	}
	device := p.str("Device")
	switch {
	case !deviceName.MatchString(device):
		return nil, errorf("InvalidParameterValue", "Value (%s) for parameter device is invalid. %s is not a valid EBS device name.", device, device)
	case v.attachment != nil:
		return nil, errorf("VolumeInUse", "%s is already attached to an instance", v.id)
	case v.state != "available":
		return nil, errorf("IncorrectState", "%s is not 'available'.", v.id)
	case i.state != "running" && i.state != "stopped":
		return nil, errorf("IncorrectInstanceState", "Instance '%s' is not 'running'.", i.id)
	case v.zone != i.zone:
		return nil, errorf("InvalidVolume.ZoneMismatch", "The volume '%s' is not in the same availability zone as instance '%s'", v.id, i.id)
	}
	for _, other := range f.instanceVolumes(i) {
		if other.attachment.device == device {
			return nil, errorf("InvalidParameterValue", "Attachment point %s is already in use", device)
		}
	}
	f.attach(v, i, device, false)
	return &attachVolumeResponse{volAttachXML: v.attachXML()}, nil
}

// attach attaches a volume, attaching for the operation time. The caller
// holds f.mu.
func (f *Fake) attach(v *volume, i *instance, device string, deleteOnTermination bool) {
	v.state = "in-use"
	v.attachment = &volumeAttachment{
		instance: i.id, device: device, state: "attaching", until: f.due(), at: f.now(),
		deleteOnTermination: deleteOnTermination,
	}
	f.advanceVolume(v, f.now())
}

// instanceVolumes are the volumes attached to an instance: the root
// volume first, then the others in the order they were attached.
func (f *Fake) instanceVolumes(i *instance) []*volume {
	var out []*volume
	for _, v := range sorted(f.volumes) {
		if v.attachment != nil && v.attachment.instance == i.id {
			out = append(out, v)
		}
	}
	slices.SortStableFunc(out, func(a, b *volume) int {
		aRoot, bRoot := a.attachment.device == i.rootDevice, b.attachment.device == i.rootDevice
		if aRoot != bRoot {
			if aRoot {
				return -1
			}
			return 1
		}
		return a.attachment.at.Compare(b.attachment.at)
	})
	return out
}

type detachVolumeResponse struct {
	head
	volAttachXML
}

// detachVolume starts detaching a volume; it is available once that is
// done. A root volume stays while its instance runs.
func (f *Fake) detachVolume(p params) (any, *apiError) {
	if err := p.require("VolumeId"); err != nil {
		return nil, err
	}
	v, err := find(f, f.volumes, p.str("VolumeId"))
	if err != nil {
		return nil, err
	}
	a := v.attachment
	switch {
	case a == nil:
		return nil, errorf("IncorrectState", "Volume '%s' is in the '%s' state.", v.id, v.state)
	case p.str("InstanceId") != "" && p.str("InstanceId") != a.instance:
		return nil, errorf("InvalidAttachment.NotFound", "Volume '%s' is not attached to '%s'", v.id, p.str("InstanceId"))
	case p.str("Device") != "" && p.str("Device") != a.device:
		return nil, errorf("InvalidAttachment.NotFound", "Volume '%s' is not attached as '%s'", v.id, p.str("Device"))
	}
	if i := f.instances[a.instance]; i != nil && a.device == i.rootDevice && i.state != "stopped" {
		return nil, errorf("IncorrectState", "Unable to detach root volume '%s' from instance '%s'", v.id, i.id)
	}
	if a.state != "detaching" {
		a.state, a.until = "detaching", f.due()
	}
	out := &detachVolumeResponse{volAttachXML: v.attachXML()}
	f.advanceVolume(v, f.now())
	return out, nil
}

type modificationXML struct {
	VolumeID       string `xml:"volumeId"`
	State          string `xml:"modificationState"`
	TargetSize     int    `xml:"targetSize"`
	TargetType     string `xml:"targetVolumeType"`
	TargetIops     int    `xml:"targetIops,omitempty"`
	TargetThruput  int    `xml:"targetThroughput,omitempty"`
	OriginalSize   int    `xml:"originalSize"`
	OriginalType   string `xml:"originalVolumeType"`
	OriginalIops   int    `xml:"originalIops,omitempty"`
	OrigThroughput int    `xml:"originalThroughput,omitempty"`
	Progress       int    `xml:"progress"`
	StartTime      string `xml:"startTime"`
	EndTime        string `xml:"endTime,omitempty"`
}

type modifyVolumeResponse struct {
	head
	Modification modificationXML `xml:"volumeModification"`
}

// modifyVolume changes a volume's size (up only: EBS cannot shrink),
// type or performance. The new size counts once the modification is
// optimizing, after the operation time.
func (f *Fake) modifyVolume(p params) (any, *apiError) {
	if err := p.require("VolumeId"); err != nil {
		return nil, err
	}
	v, err := find(f, f.volumes, p.str("VolumeId"))
	if err != nil {
		return nil, err
	}
	if !p.has("Size") && !p.has("VolumeType") && !p.has("Iops") && !p.has("Throughput") {
		return nil, errorf("InvalidParameterValue", "At least one of size, volumeType, iops and throughput must be given")
	}
	size, ok, err := p.int("Size")
	if err != nil {
		return nil, err
	}
	if !ok {
		size = v.size
	}
	switch {
	case v.state == "creating":
		return nil, errorf("IncorrectState", "Volume %s is not available for modification.", v.id)
	case v.mod != nil && v.mod.state != "completed":
		return nil, errorf("IncorrectModificationState", "Volume %s is already being modified.", v.id)
	case size < v.size:
		return nil, errorf("InvalidParameterValue", "New size cannot be smaller than existing size.")
	}
	spec, err := parseVolumeSpec(p, "", size, v.vtype)
	if err != nil {
		return nil, err
	}
	if spec.vtype == v.vtype {
		// Performance that is not asked to change stays.
		if !p.has("Iops") {
			spec.iops = v.iops
		}
		if !p.has("Throughput") {
			spec.throughput = v.throughput
		}
	}
	if spec == (volumeSpec{v.size, v.iops, v.throughput, v.vtype}) {
		return nil, errorf("InvalidParameterValue", "New size, type, iops and throughput are the volume's present ones.")
	}
	now := f.now()
	v.mod = &modification{
		state: "modifying", until: f.due(), start: now,
		origSize: v.size, targetSize: spec.size, origType: v.vtype, targetType: spec.vtype,
		origIops: v.iops, targetIops: spec.iops, origThroughput: v.throughput, targetThroughput: spec.throughput,
	}
	out := &modifyVolumeResponse{Modification: modificationOf(v)}
	f.advanceVolume(v, now)
	return out, nil
}

func modificationOf(v *volume) modificationXML {
	m := v.mod
	progress := map[string]int{"modifying": 0, "optimizing": 50, "completed": 100}[m.state]
	return modificationXML{
		VolumeID: v.id, State: m.state, TargetSize: m.targetSize, TargetType: m.targetType,
		TargetIops: m.targetIops, TargetThruput: m.targetThroughput, OriginalSize: m.origSize,
		OriginalType: m.origType, OriginalIops: m.origIops, OrigThroughput: m.origThroughput,
		Progress: progress, StartTime: timestamp(m.start), EndTime: timestamp(m.end),
	}
}

// deleteVolume deletes a volume that is not attached.
func (f *Fake) deleteVolume(p params) (any, *apiError) {
	if err := p.require("VolumeId"); err != nil {
		return nil, err
	}
	v, err := find(f, f.volumes, p.str("VolumeId"))
	if err != nil {
		return nil, err
	}
	if v.attachment != nil {
		return nil, errorf("VolumeInUse", "Volume %s is currently attached to %s", v.id, v.attachment.instance)
	}
	f.removeVolume(v)
	return nil, nil
}

func (f *Fake) removeVolume(v *volume) {
	delete(f.volumes, v.id)
	delete(f.objects, v.id)
}

// advanceVolume ends what of a volume's operations is due: creating,
// attaching, detaching and modifying. The caller holds f.mu.
func (f *Fake) advanceVolume(v *volume, now time.Time) {
	if v.state == "creating" && !now.Before(v.until) {
		v.state = "available"
	}
	if a := v.attachment; a != nil && !now.Before(a.until) {
		switch a.state {
		case "attaching":
			a.state = "attached"
		case "detaching":
			v.attachment, v.state = nil, "available"
		}
	}
	if m := v.mod; m != nil {
		if m.state == "modifying" && !now.Before(m.until) {
			m.state, m.until = "optimizing", m.until.Add(f.opTime)
			v.size, v.vtype, v.iops, v.throughput = m.targetSize, m.targetType, m.targetIops, m.targetThroughput
		}
		if m.state == "optimizing" && !now.Before(m.until) {
			m.state, m.end = "completed", m.until
		}
	}
}
