package aws_test

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"golang.org/x/crypto/ssh"

	"github.com/freecloud/freecloud/providers"
	"github.com/freecloud/freecloud/providers/aws"
	"github.com/freecloud/freecloud/providers/aws/ec2fake"
	"github.com/freecloud/freecloud/providers/providertest"
)

func TestConformance(t *testing.T) {
	providertest.Run(t, providertest.Harness{
		Fresh: func(t *testing.T) (providers.Provider, providertest.Faults) {
			p, f := fresh(t, ec2fake.Options{})
			return p, faults{f}
		},
		Machine: machine,
		Changes: changes(),
		Invalid: func(m *providers.MachineSpec) string {
			m.Size = "t3.nonsense"
			return "t3.nonsense"
		},
	})
}

// changes are the standard ones and AWS's own: closing every port (the
// security group's rules all revoked), a machine in another zone (a new
// subnet, associated with the route table).
func changes() map[string]providertest.Change {
	out := providertest.StandardChanges("t3.medium", publicKey("bob"), machine)
	out["close every port but SSH"] = func(ms []providers.MachineSpec) []providers.MachineSpec {
		ms[0].Ports = nil
		return ms
	}
	out["add a machine in another zone"] = func(ms []providers.MachineSpec) []providers.MachineSpec {
		m2 := machine("conformance", "m2")
		m2.Location = "eu-central-1b"
		return append(ms, m2)
	}
	return out
}

// machine is a valid machine that uses every kind of resource.
func machine(deployment, name string) providers.MachineSpec {
	return providers.MachineSpec{
		Name: name, Location: "eu-central-1a", Size: "t3.small",
		Admins: []string{publicKey("admin-of-" + deployment)},
		Disks:  []providers.DiskSpec{{Name: "data", SizeGB: 10}},
		Ports:  []providers.Port{{Protocol: "tcp", Port: 443}},
		Labels: map[string]string{"team": "web"},
	}
}

// publicKey is a valid OpenSSH public key, the same for the same name.
func publicKey(name string) string {
	seed := sha256.Sum256([]byte(name))
	pub, err := ssh.NewPublicKey(ed25519.NewKeyFromSeed(seed[:]).Public())
	if err != nil {
		panic(err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub))) + " " + name + "@example.org"
}

// fresh is a provider bound to a new fake, tuned for tests: short polls,
// waits and retry backoff.
func fresh(t testing.TB, opts ec2fake.Options) (*aws.Provider, *ec2fake.Fake) {
	f := ec2fake.New(t, opts)
	p, err := aws.New(context.Background(), optionsFor(f))
	if err != nil {
		t.Fatal(err)
	}
	return p, f
}

func optionsFor(f *ec2fake.Fake) aws.Options {
	return aws.Options{
		Region: f.Region(), Release: "26.05", Endpoint: f.URL(),
		Credentials:  credentials.NewStaticCredentialsProvider(f.AccessKeyID(), f.SecretAccessKey(), ""),
		PollInterval: 2 * time.Millisecond, WaitTimeout: 5 * time.Second, MaxBackoff: 5 * time.Millisecond,
	}
}

// faults speaks providertest's kinds and operations to the fake's
// actions.
type faults struct{ f *ec2fake.Fake }

// actions are the EC2 actions behind each kind's list, create and delete.
var actions = map[string]map[string]string{
	"key_pair":         {"list": "DescribeKeyPairs", "create": "ImportKeyPair", "delete": "DeleteKeyPair"},
	"vpc":              {"list": "DescribeVpcs", "create": "CreateVpc", "delete": "DeleteVpc"},
	"internet_gateway": {"list": "DescribeInternetGateways", "create": "CreateInternetGateway", "delete": "DeleteInternetGateway"},
	"subnet":           {"list": "DescribeSubnets", "create": "CreateSubnet", "delete": "DeleteSubnet"},
	"route_table":      {"list": "DescribeRouteTables", "create": "CreateRouteTable", "delete": "DeleteRouteTable"},
	"security_group":   {"list": "DescribeSecurityGroups", "create": "CreateSecurityGroup", "delete": "DeleteSecurityGroup"},
	"elastic_ip":       {"list": "DescribeAddresses", "create": "AllocateAddress", "delete": "ReleaseAddress"},
	"volume":           {"list": "DescribeVolumes", "create": "CreateVolume", "delete": "DeleteVolume"},
	"instance":         {"list": "DescribeInstances", "create": "RunInstances", "delete": "TerminateInstances"},
}

// resourceTypes are EC2's names of the kinds.
var resourceTypes = map[string]string{
	"key_pair": "key-pair", "vpc": "vpc", "internet_gateway": "internet-gateway", "subnet": "subnet",
	"route_table": "route-table", "security_group": "security-group", "elastic_ip": "elastic-ip",
	"volume": "volume", "instance": "instance",
}

func (x faults) FailNext(kind, op string, n, status int) {
	if status == http.StatusTooManyRequests {
		x.f.FailNext(actions[kind][op], n, "RequestLimitExceeded") // EC2's throttling
		return
	}
	x.f.FailNextStatus(actions[kind][op], n, status)
}
func (x faults) LoseNext(kind, op string, n int)  { x.f.LoseNext(actions[kind][op], n) }
func (x faults) SetLatency(d time.Duration)       { x.f.SetLatency(d) }
func (x faults) SetOperationTime(d time.Duration) { x.f.SetOperationTime(d) }
func (x faults) SetPageSize(n int)                { x.f.SetPageSize(n) }
func (x faults) Requests() int                    { return x.f.Requests() }
func (x faults) Busy(kind, id string) bool        { return x.f.Busy(resourceTypes[kind], id) }
func (x faults) AddForeign(kind, name string, labels map[string]string) {
	x.f.AddForeign(resourceTypes[kind], name, labels)
}
