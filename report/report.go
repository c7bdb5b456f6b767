// Package report is the deployment's sovereignty report: for each service,
// where its data lives (country, city, provider, operator), which
// jurisdictions can compel access to it and why, where its backups go, and
// which secrets it has and where each is made. It is what an auditor, a
// data-protection officer or the operator's own management reads, so it
// says things in sentences, and renders as Markdown, JSON or one
// self-contained HTML page.
package report

// A Report covers every service of one deployment, in the order of
// machines, then services.
type Report struct {
	Deployment string `json:"deployment"`
	// Policy is the deployment's sovereignty block; nil when it has none.
	Policy   *Policy   `json:"policy,omitempty"`
	Services []Service `json:"services"`
}

// A Policy is the sovereignty block as written.
type Policy struct {
	DataJurisdictions    []string `json:"data_jurisdictions"`
	ForbiddenOperatorLaw []string `json:"forbidden_operator_law"`
	// Overrides are the per-service rules, by service name.
	Overrides []Override `json:"overrides,omitempty"`
}

// An Override is a service's own rule; nil lists inherit the block's.
type Override struct {
	Service              string   `json:"service"`
	DataJurisdictions    []string `json:"data_jurisdictions,omitempty"`
	ForbiddenOperatorLaw []string `json:"forbidden_operator_law,omitempty"`
}

// A Service is one service on one machine: the operator's, or a profile
// another one requires (RequiredBy).
type Service struct {
	Name       string `json:"name"`
	Profile    string `json:"profile"`
	Machine    string `json:"machine"`
	RequiredBy string `json:"required_by,omitempty"`
	// State lists the data it keeps: paths and engine:database names.
	// Empty for a stateless service, which the policy does not hold.
	State []string `json:"state"`
	// Rule says which rule holds the service's data.
	Rule string   `json:"rule"`
	Data Location `json:"data"`
	// Access are the jurisdictions that can compel access to the data.
	Access  []Access `json:"access"`
	Backup  *Backup  `json:"backup,omitempty"`
	Secrets []Secret `json:"secrets"`
}

// A Location is where data is and who holds it.
type Location struct {
	// Provider is the provider block (provider.hetzner.eu) or, for a
	// backup, the storage service; Location the provider's name for the
	// place (fsn1, eu-central-1), empty on bare metal.
	Provider        string `json:"provider"`
	Location        string `json:"location,omitempty"`
	Country         string `json:"country"`
	CountryName     string `json:"country_name"`
	City            string `json:"city,omitempty"`
	Operator        string `json:"operator"`
	OperatorCountry string `json:"operator_country"`
}

// An Access is one jurisdiction that can compel access to data.
type Access struct {
	Country     string `json:"country"`
	CountryName string `json:"country_name"`
	// Basis is territorial, incorporation or extraterritorial.
	Basis string `json:"basis"`
	// Law names the law of an extraterritorial claim.
	Law string `json:"law,omitempty"`
	Why string `json:"why"`
}

// A Backup is where a service's machine sends its backups.
type Backup struct {
	Repository string   `json:"repository"`
	Schedule   string   `json:"schedule,omitempty"`
	Data       Location `json:"data"`
	Access     []Access `json:"access"`
	// Secrets are the backup's own: the repository password and keys.
	Secrets []Secret `json:"secrets"`
}

// A Secret is one secret a service has. Its value is never in a report.
type Secret struct {
	Name string `json:"name"`
	// Source is generated, provided or shared; Made says where the value
	// was made, in words.
	Source string `json:"source"`
	Made   string `json:"made"`
	// Path is where the host keeps it; Ciphertext the sealed file in the
	// deployment directory for provided and shared secrets.
	Path       string `json:"path"`
	Ciphertext string `json:"ciphertext,omitempty"`
	// Status is whether the ciphertext is current for the host key
	// (current, stale, missing, unsealed); "" for generated secrets.
	Status string `json:"status,omitempty"`
}
