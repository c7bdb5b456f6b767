package nix

import (
	"fmt"
	"testing"
)

// hosts builds an attribute set shaped like a large deployment: n hosts, each
// with nested options, lists, paths, raw text and a multi-line string.
func hosts(n int) Attrs {
	a := make(Attrs, 0, n)
	for i := range n {
		name := fmt.Sprintf("web%04d", i)
		a = append(a, Binding{Path: []string{name}, Comment: "host " + name, Value: Attrs{
			{Path: []string{"imports"}, Value: List{Path("./hardware-configuration.nix"), Path("../../modules/base.nix")}},
			{Path: []string{"networking", "hostName"}, Value: String(name)},
			{Path: []string{"networking", "firewall", "allowedTCPPorts"}, Value: List{Int(22), Int(80), Int(443), Int(8000 + i)}},
			{Path: []string{"services", "nginx"}, Value: Attrs{
				{Path: []string{"enable"}, Value: Bool(true)},
				{Path: []string{"virtualHosts", name + ".example.org"}, Value: Attrs{
					{Path: []string{"forceSSL"}, Value: Bool(true)},
					{Path: []string{"locations", "/", "proxyPass"}, Value: String("http://127.0.0.1:8080")},
					{Path: []string{"extraConfig"}, Value: String("client_max_body_size 10G;\nadd_header X-Host \"${host}\";\n")},
				}},
			}},
			{Path: []string{"boot", "loader", "grub", "device"}, Value: String("/dev/sda")},
			{Path: []string{"environment", "systemPackages"}, Value: List{Raw("pkgs.htop"), Raw("pkgs.git")}},
			{Path: []string{"swapDevices"}, Value: List{Attrs{{Path: []string{"device"}, Value: String("/swapfile")}, {Path: []string{"size"}, Value: Int(2048)}}}},
			{Path: []string{"nix", "settings", "max-jobs"}, Value: Float(0.5)},
		}})
	}
	return a
}

func BenchmarkFormat(b *testing.B) {
	h := hosts(1000)
	out, err := Format(h)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(out)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Format(h); err != nil {
			b.Fatal(err)
		}
	}
}
