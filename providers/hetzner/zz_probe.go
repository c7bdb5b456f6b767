package hetzner

import (
	_ "github.com/hetznercloud/hcloud-go/v2/hcloud"
	_ "github.com/hetznercloud/hcloud-go/v2/hcloud/exp/deprecationutil"
	_ "golang.org/x/sync/errgroup"
)
