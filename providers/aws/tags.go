package aws

import (
	"maps"
	"slices"
	"strings"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/freecloud/freecloud/providers"
)

// tagSpecs tags an object as it is made, so that it is never seen
// without its deployment's tags: with the resource's kind and name, the
// Name the EC2 console shows, and extra tags (an instance's labels).
func tagSpecs(resourceType, deployment, kind, name string, extra map[string]string) []types.TagSpecification {
	all := map[string]string{
		tagDeployment: deployment, tagKind: kind, tagName: name,
		tagConsole: ec2Name(deployment, name),
	}
	maps.Copy(all, extra)
	return []types.TagSpecification{{ResourceType: types.ResourceType(resourceType), Tags: toTags(all)}}
}

// tagsFor are the tags of r's object as it is made.
func tagsFor(deployment string, r *providers.Resource) []types.TagSpecification {
	return tagSpecs(resourceTypes[r.Kind], deployment, r.Kind, r.Name, nil)
}

// ec2Name is an object's name at EC2 (key pair and security group names,
// the Name tag): <deployment>-<name>, unique in the region.
func ec2Name(deployment, name string) string { return deployment + "-" + name }

func toTags(m map[string]string) []types.Tag {
	out := make([]types.Tag, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, types.Tag{Key: awssdk.String(k), Value: awssdk.String(m[k])})
	}
	return out
}

func tagMap(tags []types.Tag) map[string]string {
	out := make(map[string]string, len(tags))
	for _, t := range tags {
		out[awssdk.ToString(t.Key)] = awssdk.ToString(t.Value)
	}
	return out
}

// ownTags are the operator's tags among an object's: neither freecloud's,
// nor the Name tag, nor AWS's own.
func ownTags(tags map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range tags {
		if !strings.HasPrefix(k, tagPrefix) && k != tagConsole && !strings.HasPrefix(k, "aws:") {
			out[k] = v
		}
	}
	return out
}

// ownedBy selects a deployment's objects of a kind.
func ownedBy(deployment, kind string) []types.Filter {
	return []types.Filter{
		{Name: awssdk.String("tag:" + tagDeployment), Values: []string{deployment}},
		{Name: awssdk.String("tag:" + tagKind), Values: []string{kind}},
	}
}
