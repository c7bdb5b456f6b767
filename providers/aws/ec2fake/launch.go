package ec2fake

import (
	"fmt"
	"net/netip"
	"slices"
)

type runInstancesResponse struct {
	head
	reservationXML
}

// A launch is what RunInstances asks for, checked.
type launch struct {
	image       *image
	itype       *instanceType
	keyName     string
	subnet      *subnet
	groups      []string
	wantPublic  bool
	privateIP   netip.Addr
	root        volumeSpec
	rootDelete  bool
	extra       []extraVolume
	tags        map[string]map[string]string
	count       int
	httpTokens  string
	clientToken string
}

type extraVolume struct {
	device string
	spec   volumeSpec
	delete bool
}

// runInstances launches MaxCount instances (at least MinCount, as many
// as the quotas leave room for). With a ClientToken (the SDK always sends
// one) a retry answers the reservation the first request made.
func (f *Fake) runInstances(p params) (any, *apiError) {
	id, err := f.idempotent("RunInstances", p)
	if err != nil {
		return nil, err
	}
	if id != "" {
		return f.relaunch(id)
	}
	l, err := f.launchOf(p)
	if err != nil {
		return nil, err
	}
	reservation := f.newID("r")
	var launched []*instance
	for n := range l.count {
		launched = append(launched, f.launchInstance(l, reservation, n))
	}
	f.remember("RunInstances", p, reservation)
	out := &runInstancesResponse{reservationXML: f.reservations(launched)[0]}
	return out, nil
}

// relaunch answers a RunInstances whose ClientToken launched a
// reservation already.
func (f *Fake) relaunch(reservation string) (any, *apiError) {
	var instances []*instance
	for _, i := range sorted(f.instances) {
		if i.reservation == reservation {
			if i.state == "terminated" || i.state == "shutting-down" {
				return nil, errorf("IdempotentInstanceTerminated", "The client token has been used for an instance that has since been terminated.")
			}
			instances = append(instances, i)
		}
	}
	if len(instances) == 0 {
		return nil, errorf("IdempotentInstanceTerminated", "The client token has been used for an instance that has since been terminated.")
	}
	return &runInstancesResponse{reservationXML: f.reservations(instances)[0]}, nil
}

// launchOf checks a RunInstances request as EC2 does, in about its order.
func (f *Fake) launchOf(p params) (*launch, *apiError) {
	if err := p.require("MinCount", "MaxCount", "ImageId"); err != nil {
		return nil, err
	}
	minCount, _, err := p.int("MinCount")
	if err != nil {
		return nil, err
	}
	maxCount, _, err := p.int("MaxCount")
	if err != nil {
		return nil, err
	}
	if minCount < 1 || maxCount < minCount {
		return nil, errorf("InvalidParameterValue", "Invalid value for MinCount (%d) and MaxCount (%d)", minCount, maxCount)
	}
	l := &launch{clientToken: p.str("ClientToken"), httpTokens: p.str("MetadataOptions.HttpTokens")}
	if l.httpTokens == "" {
		l.httpTokens = "optional"
	}
	if l.image, err = f.imageOf(p.str("ImageId")); err != nil {
		return nil, err
	}
	typeName := p.str("InstanceType")
	if typeName == "" {
		typeName = "m1.small" // EC2's default, which the fake does not sell
	}
	if l.itype = instanceTypeNamed(typeName); l.itype == nil {
		return nil, errorf("InvalidParameterValue", "Invalid value '%s' for InstanceType.", typeName)
	}
	if !slices.Contains(l.itype.archs, l.image.arch) {
		return nil, errorf("InvalidParameterValue", "The architecture '%s' of the specified instance type does not match the architecture '%s' of the specified AMI. Specify an instance type and an AMI that have matching architectures, and try again. You can use 'describe-instance-types' or 'describe-images' to discover the architecture of the instance type or AMI.", l.itype.archs[0], l.image.arch)
	}
	if l.keyName = p.str("KeyName"); l.keyName != "" && f.keyPairNamed(l.keyName) == nil {
		return nil, errorf("InvalidKeyPair.NotFound", "The key pair '%s' does not exist", l.keyName)
	}
	if err := f.network(p, l); err != nil {
		return nil, err
	}
	if err := f.blockDevices(p, l); err != nil {
		return nil, err
	}
	if l.tags, err = p.tagSpecs("instance", "volume", "network-interface"); err != nil {
		return nil, err
	}
	running, vcpus := f.running()
	l.count = maxCount
	for l.count >= minCount && !(f.within("instance", running+l.count) && f.within("vcpu", vcpus+l.count*l.itype.vcpus)) {
		l.count--
	}
	switch {
	case !f.within("instance", running+minCount):
		return nil, errorf("InstanceLimitExceeded", "You have requested more instances (%d) than your current instance limit of %d allows for the specified instance type. Please visit http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit.", running+minCount, f.quotas["instance"])
	case l.count < minCount:
		return nil, errorf("VcpuLimitExceeded", "You have requested more vCPU capacity than your current vCPU limit of %d allows for the instance bucket that the specified instance type belongs to. Please visit http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit.", f.quotas["vcpu"])
	case f.availableIPs(l.subnet) < l.count:
		return nil, errorf("InsufficientFreeAddressesInSubnet", "There are not enough free addresses in subnet '%s' to satisfy the requested number of instances.", l.subnet.id)
	}
	return l, nil
}

// running counts the instances and vCPUs that count towards the quotas.
func (f *Fake) running() (instances, vcpus int) {
	for _, i := range f.instances {
		if i.counts() {
			instances++
			vcpus += instanceTypeNamed(i.itype).vcpus
		}
	}
	return instances, vcpus
}

// network reads where a launch goes: SubnetId and SecurityGroupId.N, or
// the same in NetworkInterface.1 with AssociatePublicIpAddress; never
// both. Groups must be of the subnet's VPC; without any, the instance
// gets the VPC's default group.
func (f *Fake) network(p params, l *launch) *apiError {
	nic := "NetworkInterface.1."
	hasNic := len(p.items("NetworkInterface")) > 0
	subnetID, groups := p.str("SubnetId"), p.list("SecurityGroupId")
	switch {
	case hasNic && subnetID != "":
		return errorf("InvalidParameterCombination", "Network interfaces and an instance-level subnet ID may not be specified on the same request")
	case hasNic && len(groups) > 0:
		return errorf("InvalidParameterCombination", "Network interfaces and an instance-level security groups may not be specified on the same request")
	case len(p.items("NetworkInterface")) > 1:
		return errorf("InvalidParameterValue", "ec2fake launches instances with one network interface")
	case hasNic && p.str(nic+"NetworkInterfaceId") != "":
		return errorf("InvalidNetworkInterfaceID.NotFound", "The networkInterface ID '%s' does not exist", p.str(nic+"NetworkInterfaceId"))
	case hasNic:
		subnetID, groups = p.str(nic+"SubnetId"), p.list(nic+"SecurityGroupId")
	}
	if subnetID == "" {
		return errorf("VPCIdNotSpecified", "No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.")
	}
	s, err := find(f, f.subnets, subnetID)
	if err != nil {
		return err
	}
	l.subnet = s
	l.wantPublic = s.mapPublicIP
	if hasNic && p.has(nic+"AssociatePublicIpAddress") {
		l.wantPublic = p.bool(nic + "AssociatePublicIpAddress")
	}
	if zone := p.str("Placement.AvailabilityZone"); zone != "" && zone != s.zone {
		return errorf("InvalidParameterValue", "Value (%s) for parameter availabilityZone is invalid. Subnet '%s' is in the availability zone %s", zone, s.id, s.zone)
	}
	if len(p.list("SecurityGroup")) > 0 {
		return errorf("InvalidParameterCombination", "The parameter groupName cannot be used with the parameter subnet")
	}
	for _, id := range groups {
		g, ok := f.groups[id]
		if !ok || g.vpc != s.vpc {
			return errorf("InvalidGroup.NotFound", "The security group '%s' does not exist in VPC '%s'", id, s.vpc)
		}
		if !slices.Contains(l.groups, id) {
			l.groups = append(l.groups, id)
		}
	}
	if len(l.groups) == 0 {
		l.groups = []string{f.vpcs[s.vpc].defaultGroup}
	}
	ip := p.str("PrivateIpAddress")
	if ip == "" {
		ip = p.str(nic + "PrivateIpAddress")
	}
	if ip != "" {
		addr, e := netip.ParseAddr(ip)
		switch {
		case e != nil || !s.cidr.Contains(addr):
			return errorf("InvalidParameterValue", "Address %s does not fall within the subnet's address range", ip)
		case f.usedIPs(s)[addr]:
			return errorf("InvalidIPAddress.InUse", "Address %s is in use.", ip)
		}
		l.privateIP = addr
	}
	return nil
}

// blockDevices reads BlockDeviceMapping.N: the root volume's size, type
// and DeleteOnTermination (at least the image's size), and further empty
// volumes to make and attach.
func (f *Fake) blockDevices(p params, l *launch) *apiError {
	l.root = volumeSpec{size: l.image.rootSize, vtype: "gp3"}
	l.root.iops, l.root.throughput = performance("gp3", l.root.size)
	l.rootDelete = true
	for _, item := range p.items("BlockDeviceMapping") {
		device := p.str(item + ".DeviceName")
		ebs := item + ".Ebs."
		size, hasSize, err := p.int(ebs + "VolumeSize")
		if err != nil {
			return err
		}
		deleteOnTermination := !p.has(ebs+"DeleteOnTermination") || p.bool(ebs+"DeleteOnTermination")
		switch {
		case device == "":
			return errorf("InvalidBlockDeviceMapping", "The device name of %s is missing.", item)
		case p.has(item + ".NoDevice"), p.has(item + ".VirtualName"):
			continue
		case device == l.image.rootDevice:
			if !hasSize {
				size = l.image.rootSize
			}
			if size < l.image.rootSize {
				return errorf("InvalidBlockDeviceMapping", "Volume of size %dGB is smaller than snapshot '%s', expect size >= %dGB", size, l.image.snapshot, l.image.rootSize)
			}
			if l.root, err = parseVolumeSpec(p, ebs, size, "gp3"); err != nil {
				return err
			}
			l.rootDelete = deleteOnTermination
		case !deviceName.MatchString(device):
			return errorf("InvalidBlockDeviceMapping", "Invalid device name %s", device)
		case !hasSize:
			return errorf("InvalidBlockDeviceMapping", "The volume size of %s must be specified.", device)
		default:
			spec, err := parseVolumeSpec(p, ebs, size, "gp2")
			if err != nil {
				return err
			}
			l.extra = append(l.extra, extraVolume{device, spec, deleteOnTermination})
		}
	}
	return nil
}

// launchInstance makes one instance of a launch, pending for the
// operation time, with its root volume and its own SSH host key. The
// caller holds f.mu.
func (f *Fake) launchInstance(l *launch, reservation string, n int) *instance {
	now := f.now()
	i := &instance{
		meta: f.newMeta("instance", "i", clone(l.tags["instance"])), reservation: reservation, launchIndex: n,
		image: l.image.id, arch: l.image.arch, itype: l.itype.name, keyName: l.keyName,
		subnet: l.subnet.id, vpc: l.subnet.vpc, zone: l.subnet.zone, groups: slices.Clone(l.groups),
		wantPublic: l.wantPublic, eni: f.newID("eni"), eniAttach: f.newID("eni-attach"), mac: f.newMAC(),
		rootDevice: l.image.rootDevice, clientToken: l.clientToken, httpTokens: l.httpTokens,
		launched: now, state: "pending", until: now.Add(f.opTime), hostKey: f.newHostKey(), hostPub: f.hostPub,
	}
	if n == 0 && l.privateIP.IsValid() {
		i.privateIP = l.privateIP
	} else {
		i.privateIP, _ = f.freeIP(l.subnet)
	}
	if i.wantPublic {
		i.publicIP, _ = f.freePublicIP(ephemeralRange)
	}
	f.instances[i.id] = i
	f.register(i)
	f.hide(&i.meta)
	devices := append([]extraVolume{{l.image.rootDevice, l.root, l.rootDelete}}, l.extra...)
	for _, d := range devices {
		v := f.addVolume(i.zone, d.spec, clone(l.tags["volume"]))
		v.state = "in-use"
		v.attachment = &volumeAttachment{instance: i.id, device: d.device, state: "attached", at: now, deleteOnTermination: d.delete}
		f.hide(&v.meta)
	}
	f.advanceInstance(i, now)
	return i
}

func clone(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// newMAC is a locally administered MAC address, as EC2 gives interfaces.
func (f *Fake) newMAC() string {
	b := f.rng.Uint64()
	return fmt.Sprintf("02:%02x:%02x:%02x:%02x:%02x", byte(b), byte(b>>8), byte(b>>16), byte(b>>24), byte(b>>32))
}
