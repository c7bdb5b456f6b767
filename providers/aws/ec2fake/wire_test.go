package ec2fake_test

import (
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/smithy-go"

	"github.com/freecloud/freecloud/providers/aws/ec2fake"
)

// post sends a form to the fake with an Authorization header and returns
// the status and body.
func post(t *testing.T, f *ec2fake.Fake, auth string, form url.Values) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", f.URL(), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func signed(f *ec2fake.Fake, key, region string) string {
	return "AWS4-HMAC-SHA256 Credential=" + key + "/20260101/" + region + "/ec2/aws4_request, SignedHeaders=host;x-amz-date, Signature=00"
}

func TestWireFormat(t *testing.T) {
	f := ec2fake.New(t, ec2fake.Options{})
	form := url.Values{"Action": {"DescribeVpcs"}, "Version": {"2016-11-15"}}
	status, body := post(t, f, signed(f, f.AccessKeyID(), f.Region()), form)
	if status != 200 || !strings.Contains(body, `<DescribeVpcsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>`) {
		t.Errorf("DescribeVpcs: %d %s", status, body)
	}

	var e struct {
		Errors []struct {
			Code, Message string
		} `xml:"Errors>Error"`
		RequestID string `xml:"RequestID"`
	}
	for _, c := range []struct {
		name, auth string
		form       url.Values
		status     int
		code       string
	}{
		{"no signature", "", form, 401, "AuthFailure"},
		{"another key", signed(f, "AKIAOTHER", f.Region()), form, 401, "AuthFailure"},
		{"another region", signed(f, f.AccessKeyID(), "us-east-1"), form, 401, "AuthFailure"},
		{"no action", signed(f, f.AccessKeyID(), f.Region()), url.Values{"Version": {"2016-11-15"}}, 400, "MissingAction"},
		{"unknown action", signed(f, f.AccessKeyID(), f.Region()), url.Values{"Action": {"DescribeLasers"}, "Version": {"2016-11-15"}}, 400, "InvalidAction"},
		{"old version", signed(f, f.AccessKeyID(), f.Region()), url.Values{"Action": {"DescribeVpcs"}, "Version": {"2014-01-01"}}, 400, "NoSuchVersion"},
		{"dry run", signed(f, f.AccessKeyID(), f.Region()), url.Values{"Action": {"DescribeVpcs"}, "Version": {"2016-11-15"}, "DryRun": {"true"}}, 412, "DryRunOperation"},
	} {
		status, body := post(t, f, c.auth, c.form)
		e.Errors = nil
		if err := xml.Unmarshal([]byte(body), &e); err != nil || status != c.status || len(e.Errors) != 1 || e.Errors[0].Code != c.code || e.RequestID == "" {
			t.Errorf("%s: %d %s, want %d %s", c.name, status, body, c.status, c.code)
		}
	}
}

// TestSDKErrors checks errors reach the SDK as smithy.APIErrors with
// EC2's code, message and HTTP status.
func TestSDKErrors(t *testing.T) {
	f := ec2fake.New(t, ec2fake.Options{})
	c := client(f)
	_, err := c.DescribeVpcs(ctx(t), &ec2.DescribeVpcsInput{VpcIds: []string{"vpc-0123456789abcdef0"}})
	var api smithy.APIError
	var resp *awshttp.ResponseError
	if !errors.As(err, &api) || api.ErrorCode() != "InvalidVpcID.NotFound" || !strings.Contains(api.ErrorMessage(), "vpc-0123456789abcdef0") {
		t.Errorf("an unknown VPC: %v", err)
	}
	if !errors.As(err, &resp) || resp.HTTPStatusCode() != 400 || resp.ServiceRequestID() == "" {
		t.Errorf("an unknown VPC: %v", err)
	}

	wrong := ec2.New(ec2.Options{
		Region: f.Region(), BaseEndpoint: aws.String(f.URL()), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("AKIAWRONGKEY", "secret", ""),
	})
	_, err = wrong.DescribeVpcs(ctx(t), &ec2.DescribeVpcsInput{})
	if wantCode(t, err, "AuthFailure"); !errors.As(err, &resp) || resp.HTTPStatusCode() != 401 {
		t.Errorf("a wrong key: %v", err)
	}
}
