package report

import (
	_ "embed"
	"html/template"
	"io"
)

//go:embed report.html.tmpl
var htmlTemplate string

// page is parsed once; html/template escapes every value for its context.
var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"policy":    PolicySentence,
	"countries": countries,
}).Parse(htmlTemplate))

// HTML writes r as one self-contained page: styles inline, no scripts, no
// fonts or images fetched, so that it can be mailed, archived and opened
// offline.
func HTML(w io.Writer, r *Report) error {
	return page.Execute(w, r)
}
