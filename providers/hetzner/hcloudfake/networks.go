package hcloudfake

import (
	"fmt"
	"net"
	"net/http"
	"slices"
	"time"

	"github.com/hetznercloud/hcloud-go/v2/hcloud/schema"
)

func (f *Fake) networkRoutes() map[string]handler {
	return map[string]handler{
		"GET /networks":      func(r *http.Request) response { return f.list(f.networks, r, nil) },
		"GET /networks/{id}": f.networks.get,
		"PUT /networks/{id}": f.networks.update,
		"POST /networks": func(r *http.Request) response {
			var req schema.NetworkCreateRequest
			if err := decode(r, &req); err != nil {
				return err.response()
			}
			n, err := f.createNetwork(req)
			if err != nil {
				return err.response()
			}
			return created(schema.NetworkCreateResponse{Network: *n})
		},
		"DELETE /networks/{id}": func(r *http.Request) response {
			n, err := f.networks.find(r)
			if err != nil {
				return err.response()
			}
			for _, id := range n.Servers {
				f.detachNetwork(f.servers.rows[id], n)
			}
			delete(f.networks.rows, n.ID)
			return noContent()
		},
		"POST /networks/{id}/actions/add_subnet": func(r *http.Request) response {
			n, err := f.networks.find(r)
			if err != nil {
				return err.response()
			}
			var req schema.NetworkActionAddSubnetRequest
			if err := decode(r, &req); err != nil {
				return err.response()
			}
			subnet := schema.NetworkSubnet{Type: req.Type, IPRange: req.IPRange, NetworkZone: req.NetworkZone}
			if err := checkSubnet(n, &subnet); err != nil {
				return err.response()
			}
			n.Subnets = append(n.Subnets, subnet)
			a := f.start("add_subnet", nil, nil, ref("network", n.ID))
			return created(schema.NetworkActionAddSubnetResponse{Action: a.Action})
		},
	}
}

func (f *Fake) createNetwork(req schema.NetworkCreateRequest) (*schema.Network, *apiError) {
	if err := checkName(req.Name, f.networks.named(req.Name) != nil); err != nil {
		return nil, err
	}
	labels, err := checkLabels(req.Labels)
	if err != nil {
		return nil, err
	}
	_, ipRange, perr := net.ParseCIDR(req.IPRange)
	if perr != nil || !ipRange.IP.IsPrivate() {
		return nil, invalidInput("ip_range", "%q is not a private IPv4 network", req.IPRange)
	}
	n := &schema.Network{
		Name: req.Name, Created: time.Now().UTC(), IPRange: ipRange.String(), Labels: labels,
		Subnets: []schema.NetworkSubnet{}, Routes: []schema.NetworkRoute{}, Servers: []int64{}, LoadBalancers: []int64{},
	}
	for _, s := range req.Subnets {
		if err := checkSubnet(n, &s); err != nil {
			return nil, err
		}
		n.Subnets = append(n.Subnets, s)
	}
	f.nextID++
	n.ID = f.nextID
	f.networks.add(n)
	return n, nil
}

// checkSubnet validates a subnet of a network and fills in its gateway.
func checkSubnet(n *schema.Network, s *schema.NetworkSubnet) *apiError {
	_, outer, _ := net.ParseCIDR(n.IPRange)
	ip, inner, err := net.ParseCIDR(s.IPRange)
	switch {
	case s.Type != "cloud" && s.Type != "server":
		return invalidInput("type", "subnet type must be cloud or server")
	case err != nil || !outer.Contains(ip):
		return invalidInput("ip_range", "subnet %q is not inside %s", s.IPRange, n.IPRange)
	case !slices.ContainsFunc(seedLocations, func(l schema.Location) bool { return l.NetworkZone == s.NetworkZone }):
		return invalidInput("network_zone", "unknown network zone %q", s.NetworkZone)
	}
	s.IPRange = inner.String()
	s.Gateway = hostIP(inner, 1)
	return nil
}

// hostIP is the i-th address of an IPv4 network.
func hostIP(n *net.IPNet, i int) string {
	ip := n.IP.To4()
	v := uint32(ip[0])<<24 | uint32(ip[1])<<16 | uint32(ip[2])<<8 | uint32(ip[3]) + uint32(i)
	return fmt.Sprintf("%d.%d.%d.%d", byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}

// attachNetwork puts a server into the subnet of a network in its network
// zone, at the next free address.
func (f *Fake) attachNetwork(s *schema.Server, n *schema.Network) *apiError {
	if slices.Contains(n.Servers, s.ID) {
		return &apiError{http.StatusUnprocessableEntity, "server_already_attached", "server is already attached to the network", nil}
	}
	i := slices.IndexFunc(n.Subnets, func(sub schema.NetworkSubnet) bool { return sub.NetworkZone == s.Location.NetworkZone })
	if i < 0 {
		return &apiError{http.StatusUnprocessableEntity, "no_subnet_available", "the network has no subnet in network zone " + s.Location.NetworkZone, nil}
	}
	_, subnet, _ := net.ParseCIDR(n.Subnets[i].IPRange)
	used := map[string]bool{}
	for _, id := range n.Servers {
		for _, pn := range f.servers.rows[id].PrivateNet {
			used[pn.IP] = true
		}
	}
	ones, bits := subnet.Mask.Size()
	ip := ""
	for host := 2; host < 1<<(bits-ones)-1 && ip == ""; host++ {
		if candidate := hostIP(subnet, host); !used[candidate] {
			ip = candidate
		}
	}
	if ip == "" {
		return &apiError{http.StatusUnprocessableEntity, "no_subnet_available", "no free IP address in subnet " + n.Subnets[i].IPRange, nil}
	}
	n.Servers = append(n.Servers, s.ID)
	s.PrivateNet = append(s.PrivateNet, schema.ServerPrivateNet{
		Network: n.ID, IP: ip, AliasIPs: []string{}, MACAddress: fmt.Sprintf("86:00:00:%02x:%02x:%02x", byte(s.ID>>16), byte(s.ID>>8), byte(s.ID)),
	})
	return nil
}

func (f *Fake) detachNetwork(s *schema.Server, n *schema.Network) bool {
	before := len(n.Servers)
	n.Servers = slices.DeleteFunc(n.Servers, func(id int64) bool { return id == s.ID })
	s.PrivateNet = slices.DeleteFunc(s.PrivateNet, func(pn schema.ServerPrivateNet) bool { return pn.Network == n.ID })
	return len(n.Servers) < before
}
