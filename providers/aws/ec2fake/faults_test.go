package ec2fake_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/freecloud/freecloud/providers/aws/ec2fake"
)

func status(err error) int {
	var resp *awshttp.ResponseError
	if errors.As(err, &resp) {
		return resp.HTTPStatusCode()
	}
	return 0
}

// TestFailNext checks injected errors come with EC2's status and that
// aws-sdk-go-v2's standard retryer retries throttling and server errors,
// not client errors.
func TestFailNext(t *testing.T) {
	f := ec2fake.New(t, ec2fake.Options{})
	c := client(f)

	f.FailNext("DescribeVpcs", 2, "RequestLimitExceeded")
	must[*ec2.DescribeVpcsOutput](t)(c.DescribeVpcs(ctx(t), &ec2.DescribeVpcsInput{}))
	if n := f.Calls()["DescribeVpcs"]; n != 3 {
		t.Errorf("throttled twice, the SDK sent %d requests, want 3", n)
	}

	f.FailNext("CreateVpc", 3, "Unavailable")
	_, err := c.CreateVpc(ctx(t), &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	if wantCode(t, err, "Unavailable"); status(err) != 503 {
		t.Errorf("Unavailable came with status %d", status(err))
	}
	if len(f.Objects("vpc")) != 0 {
		t.Error("a failed CreateVpc made a VPC")
	}

	f.ResetRequests()
	f.FailNext("CreateVpc", 1, "InvalidParameterValue")
	_, err = c.CreateVpc(ctx(t), &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	if wantCode(t, err, "InvalidParameterValue"); status(err) != 400 || f.Calls()["CreateVpc"] != 1 || f.Requests() != 1 {
		t.Errorf("a client error was retried: status %d, %v", status(err), f.Calls())
	}

	f.FailNextStatus("DescribeSubnets", 1, 429)
	f.FailNextStatus("DescribeSubnets", 1, 500)
	must[*ec2.DescribeSubnetsOutput](t)(c.DescribeSubnets(ctx(t), &ec2.DescribeSubnetsInput{}))
	if n := f.Calls()["DescribeSubnets"]; n != 3 {
		t.Errorf("after a 429 and a 500 the SDK sent %d requests, want 3", n)
	}

	rec := &recorder{TB: t}
	g := ec2fake.New(rec, ec2fake.Options{})
	g.FailNext("LaunchRockets", 1, "Unavailable")
	if !strings.Contains(rec.fatal, "LaunchRockets") {
		t.Errorf("FailNext of an unknown action: %q", rec.fatal)
	}
}

// recorder catches a fake's Fatalf.
type recorder struct {
	testing.TB
	fatal string
}

func (r *recorder) Fatalf(format string, args ...any) { r.fatal = fmt.Sprintf(format, args...) }

// TestLoseNext checks a lost answer leaves the object made, and that
// with a ClientToken (which the SDK sends with RunInstances) the SDK's
// retry gets the same instance instead of a second one.
func TestLoseNext(t *testing.T) {
	f := ec2fake.New(t, ec2fake.Options{})
	c := client(f)
	once := func(o *ec2.Options) { o.RetryMaxAttempts = 1 }

	f.LoseNext("CreateVpc", 1)
	_, err := c.CreateVpc(ctx(t), &ec2.CreateVpcInput{
		CidrBlock: aws.String("10.0.0.0/16"), TagSpecifications: []types.TagSpecification{tagSpec(types.ResourceTypeVpc, "Name", "lost")},
	}, once)
	if err == nil || code(err) != "" {
		t.Errorf("a lost answer: %v", err)
	}
	vpcs := must[*ec2.DescribeVpcsOutput](t)(c.DescribeVpcs(ctx(t), &ec2.DescribeVpcsInput{Filters: []types.Filter{filter("tag:Name", "lost")}}))
	if len(vpcs.Vpcs) != 1 {
		t.Errorf("the VPC whose answer was lost: %+v", vpcs.Vpcs)
	}

	n := makeNetwork(t, c)
	f.LoseNext("RunInstances", 1)
	i := run(t, c, runInput(f, n))
	if objs := f.Objects("instance"); len(objs) != 1 || objs[0].ID != aws.ToString(i.InstanceId) || f.Calls()["RunInstances"] != 2 {
		t.Errorf("after a lost answer and a retry: %v, %d requests", objs, f.Calls()["RunInstances"])
	}
}

func TestLatency(t *testing.T) {
	f := ec2fake.New(t, ec2fake.Options{})
	c := client(f)
	f.SetLatency(30 * time.Millisecond)
	start := time.Now()
	must[*ec2.DescribeVpcsOutput](t)(c.DescribeVpcs(ctx(t), &ec2.DescribeVpcsInput{}))
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Errorf("a request took %v with a latency of 30ms", d)
	}
}

// TestPagination lists with the SDK's paginators, pages of 2.
func TestPagination(t *testing.T) {
	f := ec2fake.New(t, ec2fake.Options{})
	c := client(f)
	n := makeNetwork(t, c)
	f.SetPageSize(2)
	for range 5 {
		run(t, c, runInput(f, n, tagSpec(types.ResourceTypeInstance, "freecloud:deployment", "prod")))
	}
	run(t, c, runInput(f, n, tagSpec(types.ResourceTypeInstance, "freecloud:deployment", "other")))
	f.ResetRequests()
	pages := ec2.NewDescribeInstancesPaginator(c, &ec2.DescribeInstancesInput{
		Filters: []types.Filter{filter("tag:freecloud:deployment", "prod")}, MaxResults: aws.Int32(1000),
	})
	var ids []string
	for pages.HasMorePages() {
		page := must[*ec2.DescribeInstancesOutput](t)(pages.NextPage(ctx(t)))
		for _, r := range page.Reservations {
			for _, i := range r.Instances {
				ids = append(ids, aws.ToString(i.InstanceId))
			}
		}
	}
	if len(ids) != 5 || f.Requests() != 3 {
		t.Errorf("5 instances in pages of 2: %d in %d requests", len(ids), f.Requests())
	}

	vols := ec2.NewDescribeVolumesPaginator(c, &ec2.DescribeVolumesInput{MaxResults: aws.Int32(500)})
	count := 0
	for vols.HasMorePages() {
		count += len(must[*ec2.DescribeVolumesOutput](t)(vols.NextPage(ctx(t))).Volumes)
	}
	if count != 6 {
		t.Errorf("6 root volumes, listed %d", count)
	}
	groups := ec2.NewDescribeSecurityGroupsPaginator(c, &ec2.DescribeSecurityGroupsInput{})
	count = 0
	for groups.HasMorePages() {
		count += len(must[*ec2.DescribeSecurityGroupsOutput](t)(groups.NextPage(ctx(t))).SecurityGroups)
	}
	if count != 2 {
		t.Errorf("the default and the web group, listed %d", count)
	}

	_, err := c.DescribeVpcs(ctx(t), &ec2.DescribeVpcsInput{MaxResults: aws.Int32(2)})
	wantCode(t, err, "InvalidParameterValue")
	_, err = c.DescribeInstances(ctx(t), &ec2.DescribeInstancesInput{InstanceIds: ids[:1], MaxResults: aws.Int32(5)})
	wantCode(t, err, "InvalidParameterCombination")
	_, err = c.DescribeVpcs(ctx(t), &ec2.DescribeVpcsInput{NextToken: aws.String("garbage")})
	wantCode(t, err, "InvalidNextToken")
	_, err = c.DescribeInstances(ctx(t), &ec2.DescribeInstancesInput{Filters: []types.Filter{filter("flavour", "vanilla")}})
	wantCode(t, err, "InvalidParameterValue")
}

func TestTags(t *testing.T) {
	f := ec2fake.New(t, ec2fake.Options{})
	c := client(f)
	n := makeNetwork(t, c)
	must[*ec2.CreateTagsOutput](t)(c.CreateTags(ctx(t), &ec2.CreateTagsInput{
		Resources: []string{n.vpc, n.subnet},
		Tags:      []types.Tag{{Key: aws.String("env"), Value: aws.String("prod")}, {Key: aws.String("team"), Value: aws.String("")}},
	}))
	if tags := f.Tags(n.subnet); tags["env"] != "prod" || len(tags) != 2 {
		t.Errorf("CreateTags: %v", tags)
	}
	subnets := must[*ec2.DescribeSubnetsOutput](t)(c.DescribeSubnets(ctx(t), &ec2.DescribeSubnetsInput{Filters: []types.Filter{filter("tag-key", "team")}}))
	if len(subnets.Subnets) != 1 {
		t.Errorf("tag-key filter: %+v", subnets.Subnets)
	}
	// A value given deletes the tag only if it has the value.
	must[*ec2.DeleteTagsOutput](t)(c.DeleteTags(ctx(t), &ec2.DeleteTagsInput{Resources: []string{n.vpc}, Tags: []types.Tag{
		{Key: aws.String("env"), Value: aws.String("test")}, {Key: aws.String("team")},
	}}))
	if tags := f.Tags(n.vpc); len(tags) != 1 || tags["env"] != "prod" {
		t.Errorf("DeleteTags: %v", tags)
	}
	_, err := c.CreateTags(ctx(t), &ec2.CreateTagsInput{Resources: []string{"vol-0000000000000000f"}, Tags: []types.Tag{{Key: aws.String("a")}}})
	wantCode(t, err, "InvalidVolume.NotFound")
	_, err = c.CreateTags(ctx(t), &ec2.CreateTagsInput{Resources: []string{n.vpc}, Tags: []types.Tag{{Key: aws.String("aws:cloudformation"), Value: aws.String("x")}}})
	wantCode(t, err, "InvalidParameterValue")
}

// TestNetworkPagination lists every network family with the SDK's
// paginators in pages of 2.
func TestNetworkPagination(t *testing.T) {
	f := ec2fake.New(t, ec2fake.Options{PageSize: 2})
	c := client(f)
	for i := range 3 {
		n := makeNetwork(t, c)
		must[*ec2.CreateRouteTableOutput](t)(c.CreateRouteTable(ctx(t), &ec2.CreateRouteTableInput{VpcId: &n.vpc}))
		must[*ec2.CreateSubnetOutput](t)(c.CreateSubnet(ctx(t), &ec2.CreateSubnetInput{VpcId: &n.vpc, CidrBlock: aws.String(fmt.Sprintf("10.0.%d.0/24", 10+i))}))
	}
	f.ResetRequests()
	count := func(more func() bool, next func() int) int {
		n := 0
		for more() {
			n += next()
		}
		return n
	}
	vpcs := ec2.NewDescribeVpcsPaginator(c, &ec2.DescribeVpcsInput{})
	subnets := ec2.NewDescribeSubnetsPaginator(c, &ec2.DescribeSubnetsInput{})
	gateways := ec2.NewDescribeInternetGatewaysPaginator(c, &ec2.DescribeInternetGatewaysInput{})
	tables := ec2.NewDescribeRouteTablesPaginator(c, &ec2.DescribeRouteTablesInput{MaxResults: aws.Int32(100)})
	for what, c := range map[string][2]int{
		"VPCs": {3, count(vpcs.HasMorePages, func() int {
			return len(must[*ec2.DescribeVpcsOutput](t)(vpcs.NextPage(ctx(t))).Vpcs)
		})},
		"subnets": {6, count(subnets.HasMorePages, func() int {
			return len(must[*ec2.DescribeSubnetsOutput](t)(subnets.NextPage(ctx(t))).Subnets)
		})},
		"gateways": {3, count(gateways.HasMorePages, func() int {
			return len(must[*ec2.DescribeInternetGatewaysOutput](t)(gateways.NextPage(ctx(t))).InternetGateways)
		})},
		"route tables": {6, count(tables.HasMorePages, func() int {
			return len(must[*ec2.DescribeRouteTablesOutput](t)(tables.NextPage(ctx(t))).RouteTables)
		})},
	} {
		if c[0] != c[1] {
			t.Errorf("%s: listed %d of %d", what, c[1], c[0])
		}
	}
	if f.Requests() != 2+3+2+3 {
		t.Errorf("%d requests for pages of 2", f.Requests())
	}
}
