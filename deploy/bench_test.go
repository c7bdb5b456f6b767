package deploy_test

import (
	"context"
	"testing"

	"github.com/freecloud/freecloud/deploy"
	"github.com/freecloud/freecloud/deploy/sshx"
	"github.com/freecloud/freecloud/tests/sshhost"
)

// BenchmarkConnectAndInspect is plan's look at one host: a pinned SSH
// connection, the facts, the running system and the deploy record.
func BenchmarkConnectAndInspect(b *testing.B) {
	h := sshhost.Start(b)
	policy, err := sshx.Pinned(h.HostKey)
	if err != nil {
		b.Fatal(err)
	}
	auth := sshx.SignerAuth(h.ClientKey)
	tgt := sshx.Target{Machine: "web1", Host: h.Addr, Port: h.Port, User: h.User, HostKey: policy}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		conn, err := sshx.Connect(ctx, tgt, auth)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := deploy.Inspect(ctx, conn, h.Root); err != nil {
			b.Fatal(err)
		}
		conn.Close()
	}
}

// BenchmarkUploadUnchanged is the upload of a deploy that changes nothing
// on the host: the quickstart flake, hashed on both sides, nothing sent.
func BenchmarkUploadUnchanged(b *testing.B) {
	h := sshhost.Start(b)
	policy, err := sshx.Pinned(h.HostKey)
	if err != nil {
		b.Fatal(err)
	}
	conn, err := sshx.Connect(context.Background(), sshx.Target{Machine: "web1", Host: h.Addr, Port: h.Port, User: h.User, HostKey: policy}, sshx.SignerAuth(h.ClientKey))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	tree := quickstart(b)
	dir := h.Root + deploy.FlakeDir
	if _, err := conn.Upload(context.Background(), dir, tree); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		t, err := conn.Upload(context.Background(), dir, tree)
		if err != nil || len(t.Sent) != 0 {
			b.Fatalf("%v, %d sent", err, len(t.Sent))
		}
	}
}
