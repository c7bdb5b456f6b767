package aws

import (
	"context"
	"errors"
	"strings"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// errorCode is the EC2 error code of err ("" if it is not an API error).
func errorCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

// isNotFound tells an error that says the object does not exist.
func isNotFound(err error) bool {
	code := errorCode(err)
	return strings.HasSuffix(code, ".NotFound")
}

// notVisibleYet tells the errors EC2 gives, for a while, about an object
// made moments ago: its API is eventually consistent, so a new instance,
// volume or address may be unknown to the next call.
func notVisibleYet(err error) bool {
	switch errorCode(err) {
	case "InvalidInstanceID.NotFound", "InvalidVolume.NotFound", "InvalidAllocationID.NotFound",
		"InvalidGroup.NotFound", "InvalidSubnetID.NotFound", "InvalidVpcID.NotFound",
		"InvalidInternetGatewayID.NotFound", "InvalidRouteTableID.NotFound", "InvalidKeyPair.NotFound":
		return true
	}
	return false
}

// hints say what to do about the errors that name a cause but not a
// remedy: EC2's quota errors, which do not say where to raise the quota,
// and refusals of the credentials.
var hints = map[string]string{
	"AuthFailure":                  "AWS does not accept the credentials: check which ones the chain finds (aws sts get-caller-identity) and that they are for this account",
	"UnauthorizedOperation":        "the credentials lack an IAM permission for this: freecloud needs ec2:Describe*, and to change things ec2:Run/Terminate/Stop/StartInstances and ec2:Create/Delete/Modify/Attach/Detach/Associate/Disassociate/Allocate/Release/Authorize/Revoke* on the deployment's objects, and ec2:GetConsoleOutput",
	"AddressLimitExceeded":         "the region's Elastic IP quota (5 by default) is used up: release unused addresses or ask for more in Service Quotas (EC2-VPC Elastic IPs)",
	"InstanceLimitExceeded":        "the region's instance quota is used up: ask for more in Service Quotas",
	"VcpuLimitExceeded":            "the region's vCPU quota for this instance family is used up: ask for more in Service Quotas (Running On-Demand instances)",
	"VpcLimitExceeded":             "the region's VPC quota (5 by default) is used up: delete unused VPCs, ask for more, or name an existing VPC with vpc_id and subnet_id in the provider block",
	"InsufficientInstanceCapacity": "AWS has no capacity for this instance type in this availability zone right now: try another size or availability zone, or later",
	"SecurityGroupLimitExceeded":   "the VPC's security group quota is used up: ask for more in Service Quotas",
	"VolumeLimitExceeded":          "the region's EBS storage quota is used up: ask for more in Service Quotas",
}

// explain adds what to do to the errors that need it; the API's own
// message, which names code and parameter, stays.
type explained struct {
	err  error
	hint string
}

func (e *explained) Error() string { return e.err.Error() + " (" + e.hint + ")" }
func (e *explained) Unwrap() error { return e.err }

func explain(err error) error {
	if hint, ok := hints[errorCode(err)]; ok {
		return &explained{err, hint}
	}
	if err != nil && errorCode(err) == "" && strings.Contains(err.Error(), "get identity: ") {
		// The SDK signs each request with credentials it resolves first;
		// this is how it says it found none.
		return &explained{err, "no AWS credentials: freecloud reads them as the aws CLI does: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile (AWS_PROFILE, or profile in the provider block) in ~/.aws/config and ~/.aws/credentials, SSO after aws sso login"}
	}
	return err
}

// noResend keeps a create from being sent again when its answer was lost
// on the way (the connection dropped after the request went out): EC2
// would make a second object. Throttling and server errors, which say
// nothing was done, are still retried.
func noResend(o *ec2.Options) {
	o.Retryer = sendOnce{o.Retryer}
}

type sendOnce struct{ awssdk.Retryer }

func (s sendOnce) IsErrorRetryable(err error) bool {
	var send *smithyhttp.RequestSendError
	if errors.As(err, &send) {
		return false
	}
	return s.Retryer.IsErrorRetryable(err)
}

// GetAttemptToken passes the client's retry tokens through.
func (s sendOnce) GetAttemptToken(ctx context.Context) (func(error) error, error) {
	if v2, ok := s.Retryer.(awssdk.RetryerV2); ok {
		return v2.GetAttemptToken(ctx)
	}
	return s.Retryer.GetInitialToken(), nil
}

// poll calls check until it says done, waiting PollInterval at first and
// longer later, for at most WaitTimeout: every wait of the provider is
// bounded. what names the wait in the timeout's error.
func (p *Provider) poll(ctx context.Context, what string, check func() (done bool, err error)) error {
	ctx, cancel := context.WithTimeout(ctx, p.opts.WaitTimeout)
	defer cancel()
	delay := p.opts.PollInterval
	for {
		done, err := check()
		if err != nil || done {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.New("gave up waiting for " + what + " after " + p.opts.WaitTimeout.String())
		case <-time.After(delay):
		}
		delay = min(delay*3/2, 10*p.opts.PollInterval)
	}
}

// settle makes call, again while EC2 does not know yet an object made
// moments ago (eventual consistency), for at most WaitTimeout.
func (p *Provider) settle(ctx context.Context, what string, call func() error) error {
	var last error
	err := p.poll(ctx, what, func() (bool, error) {
		last = call()
		if notVisibleYet(last) {
			return false, nil
		}
		return true, last
	})
	if err != nil && last != nil && notVisibleYet(last) {
		return last
	}
	return err
}

// untilFree makes a delete, again while EC2 says something still depends
// on the object (DependencyViolation): an instance that was just
// terminated keeps its security group and subnet busy for a while.
func (p *Provider) untilFree(ctx context.Context, what string, call func() error) error {
	var last error
	err := p.poll(ctx, what, func() (bool, error) {
		last = call()
		if errorCode(last) == "DependencyViolation" {
			return false, nil
		}
		return true, last
	})
	if err != nil && last != nil && errorCode(last) == "DependencyViolation" {
		return last
	}
	return err
}
