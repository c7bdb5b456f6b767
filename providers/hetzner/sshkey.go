package hetzner

import (
	"context"
	"fmt"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"

	"github.com/freecloud/freecloud/providers"
)

func (p *Provider) createSSHKey(ctx context.Context, deployment string, r *providers.Resource, _ providers.IDs) (int64, error) {
	key, _, err := p.client.SSHKey.Create(ctx, hcloud.SSHKeyCreateOpts{
		Name: hetznerName(deployment, r.Name), PublicKey: r.Attrs["public_key"], Labels: labels(deployment, r),
	})
	if hcloud.IsError(err, hcloud.ErrorCodeUniquenessError) {
		return 0, p.explainKeyClash(ctx, r, err)
	}
	if err != nil {
		return 0, err
	}
	return key.ID, nil
}

// explainKeyClash says which key is in the way when Hetzner refuses a key
// it already holds, and what to do: a project holds a public key once, so
// a key uploaded by hand, or by another deployment, cannot be uploaded
// again. (Sharing it would need Delete to know the deployment, to let go
// of its share only.)
func (p *Provider) explainKeyClash(ctx context.Context, r *providers.Resource, err error) error {
	fp, ferr := fingerprint(r.Attrs["public_key"])
	if ferr != nil {
		return err
	}
	other, _, gerr := p.client.SSHKey.GetByFingerprint(ctx, fp)
	if gerr != nil || other == nil {
		return err
	}
	if d := other.Labels[labelDeployment]; d != "" {
		return fmt.Errorf("%w: deployment %s already uploaded this key to the project (as %q) and Hetzner holds a key once per project: give the deployments different admin keys, or each its own project", err, d, other.Name)
	}
	return fmt.Errorf("%w: the project already holds this key as %q, uploaded outside freecloud, and Hetzner holds a key once per project: delete %q in the Hetzner Console (servers keep their keys) and freecloud uploads it again", err, other.Name, other.Name)
}

func (p *Provider) deleteSSHKey(ctx context.Context, id int64) error {
	_, err := p.client.SSHKey.Delete(ctx, &hcloud.SSHKey{ID: id})
	return err
}

func sshKeyAttrs(k *hcloud.SSHKey) map[string]string {
	key, _ := providers.CanonicalKey(k.PublicKey)
	return map[string]string{"public_key": key}
}
