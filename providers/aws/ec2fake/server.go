package ec2fake

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// A handler answers one action. It runs with the fake's lock held, so it
// may read and change any state, and returns a response struct that
// embeds head (nil for none) or an error.
type handler func(f *Fake, p params) (any, *apiError)

// handlers are the actions the fake answers.
var handlers = map[string]handler{
	"DescribeKeyPairs": (*Fake).describeKeyPairs,
	"ImportKeyPair":    (*Fake).importKeyPair,
	"DeleteKeyPair":    (*Fake).deleteKeyPair,

	"DescribeVpcs": (*Fake).describeVpcs,
	"CreateVpc":    (*Fake).createVpc,
	"DeleteVpc":    (*Fake).deleteVpc,

	"DescribeSubnets": (*Fake).describeSubnets,
	"CreateSubnet":    (*Fake).createSubnet,
	"DeleteSubnet":    (*Fake).deleteSubnet,

	"DescribeInternetGateways": (*Fake).describeInternetGateways,
	"CreateInternetGateway":    (*Fake).createInternetGateway,
	"AttachInternetGateway":    (*Fake).attachInternetGateway,
	"DetachInternetGateway":    (*Fake).detachInternetGateway,
	"DeleteInternetGateway":    (*Fake).deleteInternetGateway,

	"DescribeRouteTables":    (*Fake).describeRouteTables,
	"CreateRouteTable":       (*Fake).createRouteTable,
	"CreateRoute":            (*Fake).createRoute,
	"ReplaceRoute":           (*Fake).replaceRoute,
	"DeleteRoute":            (*Fake).deleteRoute,
	"AssociateRouteTable":    (*Fake).associateRouteTable,
	"DisassociateRouteTable": (*Fake).disassociateRouteTable,
	"DeleteRouteTable":       (*Fake).deleteRouteTable,

	"DescribeSecurityGroups":        (*Fake).describeSecurityGroups,
	"CreateSecurityGroup":           (*Fake).createSecurityGroup,
	"AuthorizeSecurityGroupIngress": (*Fake).authorizeIngress,
	"RevokeSecurityGroupIngress":    (*Fake).revokeIngress,
	"DeleteSecurityGroup":           (*Fake).deleteSecurityGroup,

	"DescribeAddresses":   (*Fake).describeAddresses,
	"AllocateAddress":     (*Fake).allocateAddress,
	"AssociateAddress":    (*Fake).associateAddress,
	"DisassociateAddress": (*Fake).disassociateAddress,
	"ReleaseAddress":      (*Fake).releaseAddress,

	"DescribeVolumes": (*Fake).describeVolumes,
	"CreateVolume":    (*Fake).createVolume,
	"AttachVolume":    (*Fake).attachVolume,
	"DetachVolume":    (*Fake).detachVolume,
	"ModifyVolume":    (*Fake).modifyVolume,
	"DeleteVolume":    (*Fake).deleteVolume,

	"DescribeInstances":       (*Fake).describeInstances,
	"RunInstances":            (*Fake).runInstances,
	"TerminateInstances":      (*Fake).terminateInstances,
	"StopInstances":           (*Fake).stopInstances,
	"StartInstances":          (*Fake).startInstances,
	"ModifyInstanceAttribute": (*Fake).modifyInstanceAttribute,
	"GetConsoleOutput":        (*Fake).getConsoleOutput,

	"CreateTags": (*Fake).createTags,
	"DeleteTags": (*Fake).deleteTags,

	"DescribeImages":            (*Fake).describeImages,
	"DescribeInstanceTypes":     (*Fake).describeInstanceTypes,
	"DescribeAvailabilityZones": (*Fake).describeAvailabilityZones,
}

// serveHTTP is what every request goes through: counting, latency,
// credentials, the form, injected faults, then the action's handler with
// the lock held.
func (f *Fake) serveHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := f.requestID()
	if err := r.ParseForm(); err != nil {
		f.count("")
		f.writeError(w, requestID, errorf("MalformedQueryString", "%v", err))
		return
	}
	action := r.Form.Get("Action")
	f.count(action)
	f.mu.Lock()
	latency := f.latency
	f.mu.Unlock()
	if !f.wait(r, latency) {
		return
	}
	if err := f.authenticate(r); err != nil {
		f.writeError(w, requestID, err)
		return
	}
	h, err := handlerFor(r, action)
	if err != nil {
		f.writeError(w, requestID, err)
		return
	}

	f.mu.Lock()
	flt := f.takeFault(action)
	if flt != nil && flt.code != "" {
		f.mu.Unlock()
		f.writeError(w, requestID, injected(flt.code))
		return
	}
	f.advance()
	var body []byte
	resp, err := h(f, params{r.Form})
	if err == nil {
		body, err = f.marshal(action, requestID, resp)
	}
	f.mu.Unlock()

	if flt != nil && flt.lose {
		dropConnection(w)
		return
	}
	if err != nil {
		f.writeError(w, requestID, err)
		return
	}
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.Header().Set("Server", "AmazonEC2")
	_, _ = w.Write(body)
}

func (f *Fake) count(action string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.total++
	f.calls[action]++
}

// handlerFor finds the action's handler, checking what every request must
// have: an action the API knows, its version, and no DryRun (which EC2
// answers with DryRunOperation instead of acting).
func handlerFor(r *http.Request, action string) (handler, *apiError) {
	switch {
	case action == "":
		return nil, errorf("MissingAction", "The request must contain the parameter Action")
	case handlers[action] == nil:
		return nil, errorf("InvalidAction", "The action %s is not valid for this web service.", action)
	case r.Form.Get("Version") == "":
		return nil, errorf("MissingParameter", "The request must contain the parameter Version")
	case r.Form.Get("Version") != apiVersion:
		return nil, errorf("NoSuchVersion", "An API version %s does not exist for EC2.", r.Form.Get("Version"))
	case r.Form.Get("DryRun") == "true":
		return nil, errorf("DryRunOperation", "Request would have succeeded, but DryRun flag is set.")
	}
	return handlers[action], nil
}

// authenticate checks Signature Version 4 as far as the fake cares: the
// Authorization header names the fake's access key ID and a credential
// scope of its region and of ec2. Signatures are not verified.
func (f *Fake) authenticate(r *http.Request) *apiError {
	auth := r.Header.Get("Authorization")
	algorithm, rest, _ := strings.Cut(auth, " ")
	if algorithm != "AWS4-HMAC-SHA256" {
		return errorf("AuthFailure", "AWS was not able to validate the provided access credentials")
	}
	var scope []string
	for part := range strings.SplitSeq(rest, ",") {
		if cred, ok := strings.CutPrefix(strings.TrimSpace(part), "Credential="); ok {
			scope = strings.Split(cred, "/")
		}
	}
	switch {
	case len(scope) != 5 || scope[0] != f.accessKey || scope[4] != "aws4_request":
		return errorf("AuthFailure", "AWS was not able to validate the provided access credentials")
	case scope[2] != f.region:
		return errorf("AuthFailure", "Credential should be scoped to a valid region, not '%s'.", scope[2])
	case scope[3] != "ec2":
		return errorf("AuthFailure", "Credential should be scoped to correct service: 'ec2'.")
	}
	return nil
}

// wait sleeps for d or until the client gives up or the fake closes; it
// reports whether the request should go on.
func (f *Fake) wait(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-r.Context().Done():
	case <-f.closed:
	}
	return false
}

// marshal renders a response as EC2 does: <ActionResponse xmlns=…> with
// the request ID first, then the action's elements.
func (f *Fake) marshal(action, requestID string, resp any) ([]byte, *apiError) {
	if resp == nil {
		resp = &returnResponse{Return: true}
	}
	h, ok := resp.(interface{ setRequestID(string) })
	if !ok {
		f.t.Errorf("ec2fake: %s answers %T, which has no head", action, resp)
		return nil, errorf("InternalError", "An internal error has occurred")
	}
	h.setRequestID(requestID)
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	root := xml.StartElement{Name: xml.Name{Space: namespace, Local: action + "Response"}}
	if err := xml.NewEncoder(&buf).EncodeElement(resp, root); err != nil {
		f.t.Errorf("ec2fake: %s: %v", action, err)
		return nil, errorf("InternalError", "An internal error has occurred")
	}
	return buf.Bytes(), nil
}

// writeError answers with an error in EC2's format and its HTTP status.
func (f *Fake) writeError(w http.ResponseWriter, requestID string, e *apiError) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	_ = xml.NewEncoder(&buf).Encode(errorResponse{
		Errors:    []errorXML{{Code: e.code, Message: e.message}},
		RequestID: requestID,
	})
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.Header().Set("Server", "AmazonEC2")
	w.WriteHeader(e.status)
	_, _ = w.Write(buf.Bytes())
}

// dropConnection closes the connection without an answer, as when the
// network fails after EC2 did the work.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
		}
	}
}

// requestID is a request ID of EC2's form, a UUID.
func (f *Fake) requestID() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, b := f.rng.Uint64(), f.rng.Uint64()
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", a>>32, a>>16&0xffff, a&0xfff, b>>48&0x3fff|0x8000, b&0xffffffffffff)
}
