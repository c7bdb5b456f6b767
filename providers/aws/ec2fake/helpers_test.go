package ec2fake_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"github.com/freecloud/freecloud/providers/aws/ec2fake"
)

// client is aws-sdk-go-v2's EC2 client bound to a fake, with the
// standard retryer (3 attempts) waiting no time between attempts.
func client(f *ec2fake.Fake) *ec2.Client {
	return ec2.New(ec2.Options{
		Region:       f.Region(),
		BaseEndpoint: aws.String(f.URL()),
		Credentials:  credentials.NewStaticCredentialsProvider(f.AccessKeyID(), f.SecretAccessKey(), ""),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 3
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		}),
	})
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

// code is the EC2 error code of err, "" if it is not an API error.
func code(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

// wantCode fails unless err is an API error with the code.
func wantCode(t *testing.T, err error, want string) {
	t.Helper()
	if got := code(err); got != want {
		t.Errorf("got error %v, want code %s", err, want)
	}
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func tagSpec(typ types.ResourceType, kv ...string) types.TagSpecification {
	spec := types.TagSpecification{ResourceType: typ}
	for i := 0; i+1 < len(kv); i += 2 {
		spec.Tags = append(spec.Tags, types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return spec
}

func filter(name string, values ...string) types.Filter {
	return types.Filter{Name: aws.String(name), Values: values}
}

func tagMap(tags []types.Tag) map[string]string {
	out := map[string]string{}
	for _, t := range tags {
		out[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return out
}

// network is a VPC with an internet gateway, a subnet in zone a and a
// security group, as freecloud makes them.
type network struct {
	vpc, gateway, subnet, group string
}

func makeNetwork(t *testing.T, c *ec2.Client) network {
	t.Helper()
	var n network
	vpc := must[*ec2.CreateVpcOutput](t)(c.CreateVpc(ctx(t), &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")}))
	n.vpc = aws.ToString(vpc.Vpc.VpcId)
	igw := must[*ec2.CreateInternetGatewayOutput](t)(c.CreateInternetGateway(ctx(t), &ec2.CreateInternetGatewayInput{}))
	n.gateway = aws.ToString(igw.InternetGateway.InternetGatewayId)
	must[*ec2.AttachInternetGatewayOutput](t)(c.AttachInternetGateway(ctx(t), &ec2.AttachInternetGatewayInput{InternetGatewayId: &n.gateway, VpcId: &n.vpc}))
	sub := must[*ec2.CreateSubnetOutput](t)(c.CreateSubnet(ctx(t), &ec2.CreateSubnetInput{
		VpcId: &n.vpc, CidrBlock: aws.String("10.0.1.0/24"), AvailabilityZone: aws.String("eu-central-1a"),
	}))
	n.subnet = aws.ToString(sub.Subnet.SubnetId)
	sg := must[*ec2.CreateSecurityGroupOutput](t)(c.CreateSecurityGroup(ctx(t), &ec2.CreateSecurityGroupInput{
		GroupName: aws.String("web"), Description: aws.String("web servers"), VpcId: &n.vpc,
	}))
	n.group = aws.ToString(sg.GroupId)
	return n
}

// runInput launches a t3.micro of the newest NixOS image into a network.
func runInput(f *ec2fake.Fake, n network, tags ...types.TagSpecification) *ec2.RunInstancesInput {
	return &ec2.RunInstancesInput{
		ImageId: aws.String(f.DefaultNixOSImage("x86_64")), InstanceType: types.InstanceTypeT3Micro,
		MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SubnetId: &n.subnet, SecurityGroupIds: []string{n.group},
		TagSpecifications: tags,
	}
}

func run(t *testing.T, c *ec2.Client, in *ec2.RunInstancesInput) types.Instance {
	t.Helper()
	out := must[*ec2.RunInstancesOutput](t)(c.RunInstances(ctx(t), in))
	if len(out.Instances) != 1 {
		t.Fatalf("RunInstances launched %d instances", len(out.Instances))
	}
	return out.Instances[0]
}

// describe is one instance as DescribeInstances shows it.
func describe(t *testing.T, c *ec2.Client, id string) types.Instance {
	t.Helper()
	out := must[*ec2.DescribeInstancesOutput](t)(c.DescribeInstances(ctx(t), &ec2.DescribeInstancesInput{InstanceIds: []string{id}}))
	if len(out.Reservations) != 1 || len(out.Reservations[0].Instances) != 1 {
		t.Fatalf("DescribeInstances %s: %+v", id, out.Reservations)
	}
	return out.Reservations[0].Instances[0]
}

// eventually polls cond every millisecond for up to two seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not happen", what)
		}
		time.Sleep(time.Millisecond)
	}
}
