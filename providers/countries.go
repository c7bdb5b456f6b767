package providers

import "sort"

// hetznerCountries are the locations of Hetzner Cloud and the countries
// they are in, as Hetzner's API lists them (GET /locations: name,
// country), which hcloudfake's catalogue copies.
var hetznerCountries = map[string]string{
	"fsn1": "DE", // Falkenstein
	"nbg1": "DE", // Nuremberg
	"hel1": "FI", // Helsinki
	"ash":  "US", // Ashburn, Virginia
	"hil":  "US", // Hillsboro, Oregon
	"sin":  "SG", // Singapore
}

// awsRegionCountries are the regions of AWS's commercial partition ("aws")
// and the countries they are in.
//
// Checked in November 2026 against:
//   - aws-sdk-go-v2 v1.47.7, internal/endpoints/awsrulesfn/partitions.json:
//     the regions of partition "aws" with their names ("Asia Pacific
//     (Taipei)"), which give the countries;
//   - aws-sdk-go-v2/service/ec2 v1.344.1, internal/endpoints/endpoints.go:
//     EC2's endpoints in partition "aws", the same 34 regions (plus
//     fips-* aliases, which are endpoints, not regions);
//   - AWS's "AWS Region billing codes" page
//     (docs.aws.amazon.com/global-infrastructure/latest/regions/aws-region-billing-codes.html),
//     which lists ca-west-1, mx-central-1, ap-east-2 (Taipei),
//     ap-southeast-5 (Malaysia), ap-southeast-6 (New Zealand) and
//     ap-southeast-7 (Thailand) among the commercial regions.
//
// Left out, as other partitions with their own accounts, credentials and
// endpoints, where the official NixOS images (published from an account
// of the commercial partition) do not exist: GovCloud (aws-us-gov),
// China (aws-cn), the ISO partitions, and the AWS European Sovereign Cloud
// (aws-eusc, eusc-de-east-1 in Germany). The last would suit a
// sovereignty policy, but a machine there could not boot the images
// freecloud deploys to; it belongs here once it can.
//
// Local Zones (us-east-1-bos-1a) and Wavelength Zones are not locations
// freecloud knows: they need not be in their parent region's country
// (eu-central-1's include Warsaw, us-east-1's Buenos Aires and Lima).
var awsRegionCountries = map[string]string{
	"af-south-1":     "ZA", // Cape Town
	"ap-east-1":      "HK", // Hong Kong
	"ap-east-2":      "TW", // Taipei
	"ap-northeast-1": "JP", // Tokyo
	"ap-northeast-2": "KR", // Seoul
	"ap-northeast-3": "JP", // Osaka
	"ap-south-1":     "IN", // Mumbai
	"ap-south-2":     "IN", // Hyderabad
	"ap-southeast-1": "SG", // Singapore
	"ap-southeast-2": "AU", // Sydney
	"ap-southeast-3": "ID", // Jakarta
	"ap-southeast-4": "AU", // Melbourne
	"ap-southeast-5": "MY", // Malaysia
	"ap-southeast-6": "NZ", // New Zealand
	"ap-southeast-7": "TH", // Thailand
	"ca-central-1":   "CA", // Canada (Central)
	"ca-west-1":      "CA", // Calgary
	"eu-central-1":   "DE", // Frankfurt
	"eu-central-2":   "CH", // Zurich
	"eu-north-1":     "SE", // Stockholm
	"eu-south-1":     "IT", // Milan
	"eu-south-2":     "ES", // Spain
	"eu-west-1":      "IE", // Ireland
	"eu-west-2":      "GB", // London
	"eu-west-3":      "FR", // Paris
	"il-central-1":   "IL", // Tel Aviv
	"me-central-1":   "AE", // UAE
	"me-south-1":     "BH", // Bahrain
	"mx-central-1":   "MX", // Mexico (Central)
	"sa-east-1":      "BR", // São Paulo
	"us-east-1":      "US", // N. Virginia
	"us-east-2":      "US", // Ohio
	"us-west-1":      "US", // N. California
	"us-west-2":      "US", // Oregon
}

// AWSRegion returns the region of an AWS location: the location itself
// when it is a region freecloud knows (eu-central-1), the region of an
// availability zone (eu-central-1a: the region and one lowercase letter).
// Anything else, Local Zones included, is not ok.
func AWSRegion(location string) (region string, ok bool) {
	if _, known := awsRegionCountries[location]; known {
		return location, true
	}
	if n := len(location); n > 1 && 'a' <= location[n-1] && location[n-1] <= 'z' {
		if _, known := awsRegionCountries[location[:n-1]]; known {
			return location[:n-1], true
		}
	}
	return "", false
}

func awsCountry(location string) (string, bool) {
	region, ok := AWSRegion(location)
	if !ok {
		return "", false
	}
	return awsRegionCountries[region], true
}

func hetznerCountry(location string) (string, bool) {
	country, ok := hetznerCountries[location]
	return country, ok
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
