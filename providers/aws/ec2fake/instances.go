package ec2fake

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// An instance is a virtual machine, launched from an image into a subnet.
type instance struct {
	meta
	reservation string
	launchIndex int
	image       string
	arch        string
	itype       string
	keyName     string
	subnet, vpc string
	zone        string
	groups      []string
	privateIP   netip.Addr
	publicIP    netip.Addr // one EC2 gave it at launch; an Elastic IP overrides it
	wantPublic  bool       // AssociatePublicIpAddress: a new one at every start
	eni, mac    string
	eniAttach   string
	rootDevice  string
	clientToken string
	httpTokens  string
	launched    time.Time

	state        string
	until        time.Time // when pending, stopping or shutting-down ends
	reason       string    // why it changed state last, as EC2 says it
	stateReason  string    // the code of stateReason, for stopped and terminated
	terminatedAt time.Time

	hostKey ssh.Signer
	// hostPub, when set, is the host key the instance shows instead:
	// that of a test's stand-in SSH server (SetHostKey).
	hostPub  ssh.PublicKey
	boots    []boot  // what each boot printed on the console
	override *string // console text a test set
}

// stateCodes are the codes of the instance states.
var stateCodes = map[string]int{
	"pending": 0, "running": 16, "shutting-down": 32, "terminated": 48, "stopping": 64, "stopped": 80,
}

func (i *instance) stateXML() stateXML { return stateXML{stateCodes[i.state], i.state} }

// busy tells whether an instance is between states.
func (i *instance) busy() bool {
	return i.state == "pending" || i.state == "stopping" || i.state == "shutting-down"
}

// counts tells whether an instance counts towards the instance and vCPU
// quotas, which count running On-Demand instances.
func (i *instance) counts() bool { return i.state == "pending" || i.state == "running" }

type instanceXML struct {
	InstanceID        string          `xml:"instanceId"`
	ImageID           string          `xml:"imageId"`
	State             stateXML        `xml:"instanceState"`
	PrivateDNSName    string          `xml:"privateDnsName"`
	DNSName           string          `xml:"dnsName"`
	Reason            string          `xml:"reason"`
	KeyName           string          `xml:"keyName,omitempty"`
	AmiLaunchIndex    int             `xml:"amiLaunchIndex"`
	InstanceType      string          `xml:"instanceType"`
	LaunchTime        string          `xml:"launchTime"`
	Placement         placementXML    `xml:"placement"`
	Monitoring        monitoringXML   `xml:"monitoring"`
	SubnetID          string          `xml:"subnetId,omitempty"`
	VpcID             string          `xml:"vpcId,omitempty"`
	PrivateIPAddress  string          `xml:"privateIpAddress,omitempty"`
	IPAddress         string          `xml:"ipAddress,omitempty"`
	SourceDestCheck   bool            `xml:"sourceDestCheck"`
	Groups            []groupIdentXML `xml:"groupSet>item"`
	StateReason       *stateReasonXML `xml:"stateReason,omitempty"`
	Architecture      string          `xml:"architecture"`
	RootDeviceType    string          `xml:"rootDeviceType"`
	RootDeviceName    string          `xml:"rootDeviceName"`
	BlockDevices      []blockDevXML   `xml:"blockDeviceMapping>item"`
	Virtualization    string          `xml:"virtualizationType"`
	ClientToken       string          `xml:"clientToken,omitempty"`
	Tags              []tagXML        `xml:"tagSet>item"`
	Hypervisor        string          `xml:"hypervisor"`
	NetworkInterfaces []interfaceXML  `xml:"networkInterfaceSet>item"`
	EbsOptimized      bool            `xml:"ebsOptimized"`
	EnaSupport        bool            `xml:"enaSupport"`
	MetadataOptions   metadataXML     `xml:"metadataOptions"`
	PlatformDetails   string          `xml:"platformDetails"`
	UsageOperation    string          `xml:"usageOperation"`
}

type placementXML struct {
	AvailabilityZone string `xml:"availabilityZone"`
	GroupName        string `xml:"groupName"`
	Tenancy          string `xml:"tenancy"`
}

type monitoringXML struct {
	State string `xml:"state"`
}

type groupIdentXML struct {
	GroupID   string `xml:"groupId"`
	GroupName string `xml:"groupName"`
}

type stateReasonXML struct {
	Code    string `xml:"code"`
	Message string `xml:"message"`
}

type blockDevXML struct {
	DeviceName string `xml:"deviceName"`
	Ebs        struct {
		VolumeID            string `xml:"volumeId"`
		Status              string `xml:"status"`
		AttachTime          string `xml:"attachTime"`
		DeleteOnTermination bool   `xml:"deleteOnTermination"`
	} `xml:"ebs"`
}

type interfaceXML struct {
	NetworkInterfaceID string          `xml:"networkInterfaceId"`
	SubnetID           string          `xml:"subnetId"`
	VpcID              string          `xml:"vpcId"`
	OwnerID            string          `xml:"ownerId"`
	Status             string          `xml:"status"`
	MacAddress         string          `xml:"macAddress"`
	PrivateIPAddress   string          `xml:"privateIpAddress"`
	PrivateDNSName     string          `xml:"privateDnsName"`
	SourceDestCheck    bool            `xml:"sourceDestCheck"`
	Groups             []groupIdentXML `xml:"groupSet>item"`
	Attachment         struct {
		AttachmentID        string `xml:"attachmentId"`
		DeviceIndex         int    `xml:"deviceIndex"`
		Status              string `xml:"status"`
		AttachTime          string `xml:"attachTime"`
		DeleteOnTermination bool   `xml:"deleteOnTermination"`
	} `xml:"attachment"`
	Association   *eniAssociationXML `xml:"association,omitempty"`
	InterfaceType string             `xml:"interfaceType"`
}

type eniAssociationXML struct {
	PublicIP      string `xml:"publicIp"`
	PublicDNSName string `xml:"publicDnsName"`
	IPOwnerID     string `xml:"ipOwnerId"`
}

type metadataXML struct {
	State        string `xml:"state"`
	HTTPTokens   string `xml:"httpTokens"`
	HopLimit     int    `xml:"httpPutResponseHopLimit"`
	HTTPEndpoint string `xml:"httpEndpoint"`
}

// privateDNS and publicDNS are the host names EC2 gives addresses.
func (f *Fake) privateDNS(ip netip.Addr) string {
	return "ip-" + strings.ReplaceAll(ip.String(), ".", "-") + "." + f.region + ".compute.internal"
}

func (f *Fake) publicDNS(ip string) string {
	if ip == "" {
		return ""
	}
	return "ec2-" + strings.ReplaceAll(ip, ".", "-") + "." + f.region + ".compute.amazonaws.com"
}

func (f *Fake) groupIdents(ids []string) []groupIdentXML {
	var out []groupIdentXML
	for _, id := range ids {
		name := ""
		if g := f.groups[id]; g != nil {
			name = g.name
		}
		out = append(out, groupIdentXML{id, name})
	}
	return out
}

func (f *Fake) instanceXML(i *instance) instanceXML {
	out := instanceXML{
		InstanceID: i.id, ImageID: i.image, State: i.stateXML(), Reason: i.reason, KeyName: i.keyName,
		AmiLaunchIndex: i.launchIndex, InstanceType: i.itype, LaunchTime: timestamp(i.launched),
		Placement: placementXML{AvailabilityZone: i.zone, Tenancy: "default"}, Monitoring: monitoringXML{"disabled"},
		SourceDestCheck: true, Architecture: i.arch, RootDeviceType: "ebs", RootDeviceName: i.rootDevice,
		Virtualization: "hvm", ClientToken: i.clientToken, Tags: tagSet(i.tags), Hypervisor: "xen",
		EbsOptimized: true, EnaSupport: true, PlatformDetails: "Linux/UNIX", UsageOperation: "RunInstances",
		MetadataOptions: metadataXML{State: "applied", HTTPTokens: i.httpTokens, HopLimit: 2, HTTPEndpoint: "enabled"},
	}
	if i.stateReason != "" {
		out.StateReason = &stateReasonXML{i.stateReason, i.stateReason + ": " + map[string]string{
			"Client.UserInitiatedShutdown":     "User initiated shutdown",
			"Client.InstanceInitiatedShutdown": "Instance initiated shutdown",
		}[i.stateReason]}
	}
	if i.state == "terminated" {
		// A terminated instance has left its network.
		return out
	}
	out.PrivateDNSName = f.privateDNS(i.privateIP)
	out.SubnetID, out.VpcID, out.PrivateIPAddress = i.subnet, i.vpc, i.privateIP.String()
	out.Groups = f.groupIdents(i.groups)
	public := f.publicIP(i)
	out.IPAddress, out.DNSName = public, f.publicDNS(public)
	for _, v := range f.instanceVolumes(i) {
		var bd blockDevXML
		bd.DeviceName = v.attachment.device
		bd.Ebs.VolumeID, bd.Ebs.AttachTime = v.id, timestamp(v.attachment.at)
		bd.Ebs.Status, bd.Ebs.DeleteOnTermination = v.attachment.state, v.attachment.deleteOnTermination
		out.BlockDevices = append(out.BlockDevices, bd)
	}
	eni := interfaceXML{
		NetworkInterfaceID: i.eni, SubnetID: i.subnet, VpcID: i.vpc, OwnerID: f.accountID, Status: "in-use",
		MacAddress: i.mac, PrivateIPAddress: i.privateIP.String(), PrivateDNSName: f.privateDNS(i.privateIP),
		SourceDestCheck: true, Groups: f.groupIdents(i.groups), InterfaceType: "interface",
	}
	eni.Attachment.AttachmentID, eni.Attachment.Status = i.eniAttach, "attached"
	eni.Attachment.AttachTime, eni.Attachment.DeleteOnTermination = timestamp(i.launched), true
	if public != "" {
		owner := "amazon"
		if f.elasticIP(i) != nil {
			owner = f.accountID
		}
		eni.Association = &eniAssociationXML{public, f.publicDNS(public), owner}
	}
	out.NetworkInterfaces = []interfaceXML{eni}
	return out
}

func (f *Fake) instanceFilters() filterDefs[*instance] {
	groupNames := func(i *instance) []string {
		var out []string
		for _, g := range f.groupIdents(i.groups) {
			out = append(out, g.GroupName)
		}
		return out
	}
	volumes := func(get func(*volume) string) func(*instance) []string {
		return func(i *instance) []string {
			var out []string
			for _, v := range f.instanceVolumes(i) {
				out = append(out, get(v))
			}
			return out
		}
	}
	return filterDefs[*instance]{
		"instance-id":                            func(i *instance) []string { return one(i.id) },
		"instance-state-name":                    func(i *instance) []string { return one(i.state) },
		"instance-state-code":                    func(i *instance) []string { return one(strconv.Itoa(stateCodes[i.state])) },
		"instance-type":                          func(i *instance) []string { return one(i.itype) },
		"image-id":                               func(i *instance) []string { return one(i.image) },
		"key-name":                               func(i *instance) []string { return one(i.keyName) },
		"subnet-id":                              func(i *instance) []string { return one(i.subnet) },
		"vpc-id":                                 func(i *instance) []string { return one(i.vpc) },
		"availability-zone":                      func(i *instance) []string { return one(i.zone) },
		"private-ip-address":                     func(i *instance) []string { return one(i.privateIP.String()) },
		"private-dns-name":                       func(i *instance) []string { return one(f.privateDNS(i.privateIP)) },
		"ip-address":                             func(i *instance) []string { return one(f.publicIP(i)) },
		"dns-name":                               func(i *instance) []string { return one(f.publicDNS(f.publicIP(i))) },
		"architecture":                           func(i *instance) []string { return one(i.arch) },
		"reservation-id":                         func(i *instance) []string { return one(i.reservation) },
		"client-token":                           func(i *instance) []string { return one(i.clientToken) },
		"owner-id":                               func(*instance) []string { return one(f.accountID) },
		"launch-time":                            func(i *instance) []string { return one(timestamp(i.launched)) },
		"root-device-name":                       func(i *instance) []string { return one(i.rootDevice) },
		"root-device-type":                       func(*instance) []string { return one("ebs") },
		"tenancy":                                func(*instance) []string { return one("default") },
		"instance.group-id":                      func(i *instance) []string { return i.groups },
		"instance.group-name":                    groupNames,
		"metadata-options.http-tokens":           func(i *instance) []string { return one(i.httpTokens) },
		"network-interface.network-interface-id": func(i *instance) []string { return one(i.eni) },
		"network-interface.subnet-id":            func(i *instance) []string { return one(i.subnet) },
		"network-interface.vpc-id":               func(i *instance) []string { return one(i.vpc) },
		"block-device-mapping.volume-id":         volumes(func(v *volume) string { return v.id }),
		"block-device-mapping.device-name":       volumes(func(v *volume) string { return v.attachment.device }),
		"block-device-mapping.status":            volumes(func(v *volume) string { return v.attachment.state }),
	}
}

type reservationXML struct {
	ReservationID string          `xml:"reservationId"`
	OwnerID       string          `xml:"ownerId"`
	Groups        []groupIdentXML `xml:"groupSet>item"`
	Instances     []instanceXML   `xml:"instancesSet>item"`
}

// reservations groups instances, in order, by the RunInstances that
// launched them.
func (f *Fake) reservations(instances []*instance) []reservationXML {
	var out []reservationXML
	for _, i := range instances {
		if n := len(out); n == 0 || out[n-1].ReservationID != i.reservation {
			out = append(out, reservationXML{ReservationID: i.reservation, OwnerID: f.accountID})
		}
		out[len(out)-1].Instances = append(out[len(out)-1].Instances, f.instanceXML(i))
	}
	return out
}

type describeInstancesResponse struct {
	head
	Reservations []reservationXML `xml:"reservationSet>item"`
	NextToken    string           `xml:"nextToken,omitempty"`
}

// describeInstances lists instances by reservation; MaxResults counts
// instances, and cannot go with InstanceId.N.
func (f *Fake) describeInstances(p params) (any, *apiError) {
	ids := p.list("InstanceId")
	if len(ids) > 0 && p.has("MaxResults") {
		return nil, errorf("InvalidParameterCombination", "The parameter instancesSet cannot be used with the parameter maxResults")
	}
	instances, err := selectIDs(f, f.instances, ids)
	if err == nil {
		instances, err = filterItems(p, f.instanceFilters(), tagsOf, instances)
	}
	var next string
	if err == nil {
		instances, next, err = page(f, p, "DescribeInstances", instances, seqOf, 1000)
	}
	if err != nil {
		return nil, err
	}
	return &describeInstancesResponse{Reservations: f.reservations(instances), NextToken: next}, nil
}

// instanceWithInterface is the instance a network interface belongs to.
func (f *Fake) instanceWithInterface(eni string) *instance {
	for _, i := range f.instances {
		if i.eni == eni && i.state != "terminated" {
			return i
		}
	}
	return nil
}

type stateChangeXML struct {
	InstanceID string   `xml:"instanceId"`
	Current    stateXML `xml:"currentState"`
	Previous   stateXML `xml:"previousState"`
}

type stateChangesResponse struct {
	head
	Changes []stateChangeXML `xml:"instancesSet>item"`
}

// changeStates looks up the InstanceId.N of a request, checks each may
// change (ok returns an error if not), then changes them (change) and
// answers their previous and current states.
func (f *Fake) changeStates(p params, ok func(*instance) *apiError, change func(*instance)) (any, *apiError) {
	ids := p.list("InstanceId")
	if len(ids) == 0 {
		return nil, errorf("MissingParameter", "The request must contain the parameter InstanceId")
	}
	instances, err := selectIDs(f, f.instances, ids)
	if err != nil {
		return nil, err
	}
	for _, i := range instances {
		if err := ok(i); err != nil {
			return nil, err
		}
	}
	out := &stateChangesResponse{}
	for _, i := range instances {
		previous := i.stateXML()
		change(i)
		out.Changes = append(out.Changes, stateChangeXML{i.id, i.stateXML(), previous})
	}
	return out, nil
}

// transition starts a change of state that lasts the operation time.
func (f *Fake) transition(i *instance, state, reason string) {
	i.state, i.until = state, f.due()
	if reason != "" {
		i.reason = reason + " (" + f.now().Format("2006-01-02 15:04:05") + " GMT)"
	}
}

// terminateInstances shuts instances down; they are terminated after the
// operation time and stay visible a while longer.
func (f *Fake) terminateInstances(p params) (any, *apiError) {
	return f.changeStates(p, func(*instance) *apiError { return nil }, func(i *instance) {
		if i.state != "terminated" && i.state != "shutting-down" {
			f.transition(i, "shutting-down", "User initiated")
			i.stateReason = "Client.UserInitiatedShutdown"
		}
	})
}

func (f *Fake) stopInstances(p params) (any, *apiError) {
	return f.changeStates(p, func(i *instance) *apiError {
		if i.state == "running" || i.state == "stopping" || i.state == "stopped" {
			return nil
		}
		return incorrectInstanceState(i, "stopped")
	}, func(i *instance) {
		if i.state == "running" {
			f.transition(i, "stopping", "User initiated")
			i.stateReason = "Client.UserInitiatedShutdown"
		}
	})
}

func (f *Fake) startInstances(p params) (any, *apiError) {
	running, vcpus := f.running()
	return f.changeStates(p, func(i *instance) *apiError {
		switch i.state {
		case "pending", "running":
			return nil
		case "stopped":
			running, vcpus = running+1, vcpus+instanceTypeNamed(i.itype).vcpus
			if !f.within("instance", running) {
				return errorf("InstanceLimitExceeded", "Your quota allows for %d more running instance(s).", max(0, f.quotas["instance"]-running+1))
			}
			if !f.within("vcpu", vcpus) {
				return errorf("VcpuLimitExceeded", "You have requested more vCPU capacity than your current vCPU limit of %d allows.", f.quotas["vcpu"])
			}
			return nil
		}
		return incorrectInstanceState(i, "started")
	}, func(i *instance) {
		if i.state == "stopped" {
			f.transition(i, "pending", "")
			i.reason, i.stateReason = "", ""
			if i.wantPublic {
				i.publicIP, _ = f.freePublicIP(ephemeralRange)
			}
		}
	})
}

// modifyInstanceAttribute changes one attribute: the instance type (only
// while stopped) or the security groups. Other attributes are accepted
// and ignored.
func (f *Fake) modifyInstanceAttribute(p params) (any, *apiError) {
	if err := p.require("InstanceId"); err != nil {
		return nil, err
	}
	i, err := find(f, f.instances, p.str("InstanceId"))
	if err != nil {
		return nil, err
	}
	newType := p.str("InstanceType.Value")
	if p.str("Attribute") == "instanceType" {
		newType = p.str("Value")
	}
	groups := p.list("GroupId")
	var given []string
	for name, ok := range map[string]bool{
		"instanceType": newType != "", "groupSet": len(groups) > 0,
		"sourceDestCheck": p.has("SourceDestCheck.Value"), "disableApiTermination": p.has("DisableApiTermination.Value"),
		"disableApiStop": p.has("DisableApiStop.Value"), "ebsOptimized": p.has("EbsOptimized.Value"),
		"instanceInitiatedShutdownBehavior": p.has("InstanceInitiatedShutdownBehavior.Value"),
	} {
		if ok {
			given = append(given, name)
		}
	}
	slices.Sort(given)
	switch {
	case len(given) == 0:
		return nil, errorf("MissingParameter", "The request must contain the parameter attribute")
	case len(given) > 1:
		return nil, errorf("InvalidParameterCombination", "Fields for multiple attribute types specified: %s", strings.Join(given, ", "))
	case i.state == "terminated" || i.state == "shutting-down":
		return nil, incorrectInstanceState(i, "modified")
	}
	switch {
	case newType != "":
		t := instanceTypeNamed(newType)
		switch {
		case i.state != "stopped":
			return nil, errorf("IncorrectInstanceState", "The instance '%s' is not in the 'stopped' state.", i.id)
		case t == nil:
			return nil, errorf("InvalidInstanceAttributeValue", "Value (%s) for parameter instanceType is invalid. Unknown instance type.", newType)
		case !slices.Contains(t.archs, i.arch):
			return nil, errorf("InvalidInstanceAttributeValue", "The instance type '%s' runs %s, but instance '%s' runs %s.", newType, t.archs[0], i.id, i.arch)
		}
		i.itype = newType
	case len(groups) > 0:
		for _, id := range groups {
			if g, ok := f.groups[id]; !ok || g.vpc != i.vpc {
				return nil, errorf("InvalidGroup.NotFound", "The security group '%s' does not exist in VPC '%s'", id, i.vpc)
			}
		}
		i.groups = nil
		for _, id := range groups {
			if !slices.Contains(i.groups, id) {
				i.groups = append(i.groups, id)
			}
		}
	}
	return nil, nil
}

// advanceInstance ends the instance's change of state if it is due:
// pending instances boot, stopping ones stop (and lose the public address
// EC2 gave them), shutting-down ones are terminated, which releases their
// Elastic IP, detaches their volumes and deletes those that were to go
// with them. Instances terminated long ago are forgotten. The caller
// holds f.mu.
func (f *Fake) advanceInstance(i *instance, now time.Time) {
	if i.busy() && !now.Before(i.until) {
		switch at := i.until; i.state {
		case "pending":
			i.state = "running"
			f.boot(i, at)
		case "stopping":
			i.state, i.publicIP = "stopped", netip.Addr{}
		case "shutting-down":
			i.state, i.publicIP, i.terminatedAt = "terminated", netip.Addr{}, at
			if a := f.elasticIP(i); a != nil {
				a.instance, a.association = "", ""
			}
			for _, v := range f.instanceVolumes(i) {
				if v.attachment.deleteOnTermination {
					f.removeVolume(v)
				} else {
					v.attachment, v.state = nil, "available"
				}
			}
		}
	}
	if i.state == "terminated" && !now.Before(i.terminatedAt.Add(f.terminated)) {
		delete(f.instances, i.id)
		delete(f.objects, i.id)
	}
}
