package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Formats are the formats Write knows.
var Formats = []string{"md", "json", "html"}

// Write renders r in a format of Formats.
func Write(w io.Writer, r *Report, format string) error {
	switch format {
	case "md":
		return Markdown(w, r)
	case "json":
		return JSON(w, r)
	case "html":
		return HTML(w, r)
	}
	return fmt.Errorf("unknown report format %q: the formats are %s", format, strings.Join(Formats, ", "))
}

// JSON writes r as indented JSON, for tools.
func JSON(w io.Writer, r *Report) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(data, '\n'))
	return err
}

// Markdown writes r as Markdown: a summary table, then a section per
// service.
func Markdown(w io.Writer, r *Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Sovereignty report: %s\n\n", md(r.Deployment))
	b.WriteString(PolicySentence(r.Policy) + "\n\n")
	b.WriteString("| Service | Machine | Data in | Operator | Backups in | Who can compel access |\n")
	b.WriteString("|---|---|---|---|---|---|\n")
	for _, s := range r.Services {
		backup := "none"
		if s.Backup != nil {
			backup = s.Backup.Data.Place()
		}
		if len(s.State) == 0 {
			backup = "no state"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", md(s.Title()), md(s.Machine), md(s.Data.Place()), md(s.Data.Operator), md(backup), md(countries(s.Access, s.Backup)))
	}
	for _, s := range r.Services {
		fmt.Fprintf(&b, "\n## %s\n\n", md(s.Title()))
		fmt.Fprintf(&b, "- **Machine**: %s, %s\n", md(s.Machine), md(s.Data.Describe()))
		if len(s.State) == 0 {
			b.WriteString("- **Data**: none kept (stateless)\n")
		} else {
			fmt.Fprintf(&b, "- **Data**: %s\n", md(strings.Join(s.State, ", ")))
		}
		fmt.Fprintf(&b, "- **Rule**: %s\n", md(s.Rule))
		b.WriteString("- **Who can compel access**:\n")
		for _, a := range s.Access {
			fmt.Fprintf(&b, "  - %s — %s: %s\n", md(a.CountryName+" ("+a.Country+")"), a.Basis, md(a.Why))
		}
		if s.Backup != nil {
			fmt.Fprintf(&b, "- **Backups**: `%s`, %s\n", strings.ReplaceAll(s.Backup.Repository, "`", "'"), md(s.Backup.Data.Describe()))
			for _, a := range s.Backup.Access {
				fmt.Fprintf(&b, "  - %s — %s: %s\n", md(a.CountryName+" ("+a.Country+")"), a.Basis, md(a.Why))
			}
			writeSecrets(&b, "  - secret ", s.Backup.Secrets)
		} else if len(s.State) > 0 {
			b.WriteString("- **Backups**: none\n")
		}
		if len(s.Secrets) == 0 {
			b.WriteString("- **Secrets**: none\n")
			continue
		}
		b.WriteString("- **Secrets**:\n")
		writeSecrets(&b, "  - ", s.Secrets)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Title names a service with its profile, and what required it.
func (s Service) Title() string {
	t := s.Name + " (" + s.Profile + ")"
	if s.RequiredBy != "" {
		t += ", required by " + s.RequiredBy
	}
	return t
}

// Place is the location in a few words: "Falkenstein, Germany (DE)".
func (l Location) Place() string {
	if l.Country == "" {
		return "unknown"
	}
	if l.City == "" || l.City == l.CountryName {
		return l.CountryName + " (" + l.Country + ")"
	}
	return l.City + ", " + l.CountryName + " (" + l.Country + ")"
}

// Describe is the location in a sentence's words: "in Falkenstein,
// Germany (DE), fsn1 at provider.hetzner.eu, run by Hetzner Online GmbH
// (DE)".
func (l Location) Describe() string {
	where := l.Provider
	if l.Location != "" {
		where = l.Location + " at " + l.Provider
	}
	return fmt.Sprintf("in %s, %s, run by %s (%s)", l.Place(), where, l.Operator, l.OperatorCountry)
}

// PolicySentence says what the sovereignty block demands.
func PolicySentence(p *Policy) string {
	if p == nil {
		return "The deployment has no sovereignty policy: its data may be anywhere, with any operator."
	}
	var parts []string
	if len(p.DataJurisdictions) > 0 {
		parts = append(parts, "data with state stays in "+strings.Join(p.DataJurisdictions, ", "))
	}
	if len(p.ForbiddenOperatorLaw) > 0 {
		parts = append(parts, "no operator subject to the law of "+strings.Join(p.ForbiddenOperatorLaw, ", ")+" holds it")
	}
	if len(parts) == 0 {
		parts = append(parts, "no restriction")
	}
	s := "Policy: " + strings.Join(parts, "; ") + "."
	for _, o := range p.Overrides {
		s += fmt.Sprintf(" Service %s: data in %s, forbidden operator law %s.", o.Service, orInherited(o.DataJurisdictions), orInherited(o.ForbiddenOperatorLaw))
	}
	return s
}

func orInherited(list []string) string {
	if list == nil {
		return "as the policy"
	}
	if len(list) == 0 {
		return "none"
	}
	return strings.Join(list, ", ")
}

// countries lists the distinct countries that can compel access to a
// service's data or its backups.
func countries(access []Access, backup *Backup) string {
	seen := map[string]bool{}
	var out []string
	add := func(list []Access) {
		for _, a := range list {
			if !seen[a.Country] {
				seen[a.Country] = true
				out = append(out, a.Country)
			}
		}
	}
	add(access)
	if backup != nil {
		add(backup.Access)
	}
	return strings.Join(out, ", ")
}

// md escapes what Markdown would read as markup in running text.
func md(s string) string { return mdEscaper.Replace(s) }

var mdEscaper = strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`, "<", "&lt;", ">", "&gt;", "|", `\|`, "\n", " ")

// writeSecrets lists secrets, one line each, never a value: there is none
// to show.
func writeSecrets(b *strings.Builder, bullet string, list []Secret) {
	for _, sec := range list {
		fmt.Fprintf(b, "%s`%s`: %s; on the host at `%s`", bullet, sec.Name, md(sec.Made), sec.Path)
		if sec.Ciphertext != "" {
			fmt.Fprintf(b, "; sealed in `%s` (%s)", sec.Ciphertext, md(sec.Status))
		}
		b.WriteString("\n")
	}
}
