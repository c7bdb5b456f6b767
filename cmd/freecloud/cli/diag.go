package cli

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/mitchellh/go-wordwrap"
)

// diagPrinter prints diagnostics the way compilers do, so that editors and
// people find the place at once:
//
//	Error: Unsupported argument
//	  --> main.fc.hcl:3:3
//	   |
//	 3 |   sise = "cx32"
//	   |   ^^^^
//	An argument named "sise" is not expected here. Did you mean "size"?
type diagPrinter struct {
	w     io.Writer
	files map[string]*hcl.File
	color bool
}

func (p *diagPrinter) print(diags hcl.Diagnostics) {
	for _, d := range diags {
		p.printOne(d)
	}
}

func (p *diagPrinter) printOne(d *hcl.Diagnostic) {
	label, colour := "Error", "\x1b[1;31m"
	if d.Severity == hcl.DiagWarning {
		label, colour = "Warning", "\x1b[1;33m"
	}
	if p.color {
		fmt.Fprintf(p.w, "%s%s:\x1b[0m \x1b[1m%s\x1b[0m\n", colour, label, d.Summary)
	} else {
		fmt.Fprintf(p.w, "%s: %s\n", label, d.Summary)
	}
	if d.Subject != nil && d.Subject.Filename != "" {
		rng := *d.Subject
		if rng.Start.Line == 0 {
			fmt.Fprintf(p.w, "  --> %s\n", rng.Filename)
		} else {
			fmt.Fprintf(p.w, "  --> %s:%d:%d\n", rng.Filename, rng.Start.Line, rng.Start.Column)
			p.snippet(rng)
		}
	}
	if d.Detail != "" {
		for _, para := range strings.Split(d.Detail, "\n") {
			if strings.HasPrefix(para, "  ") {
				fmt.Fprintln(p.w, para) // keep indented examples as they are
				continue
			}
			fmt.Fprintln(p.w, wordwrap.WrapString(para, 90))
		}
	}
	fmt.Fprintln(p.w)
}

// snippet prints the source line(s) of rng with the range underlined.
func (p *diagPrinter) snippet(rng hcl.Range) {
	file := p.files[rng.Filename]
	if file == nil || file.Bytes == nil {
		return
	}
	lines := sourceLines(file.Bytes)
	if rng.Start.Line > len(lines) {
		return
	}
	last := rng.End.Line
	if last > rng.Start.Line+2 {
		last = rng.Start.Line + 2 // a few lines are enough to find the place
	}
	if last > len(lines) {
		last = len(lines)
	}
	width := len(fmt.Sprint(last))
	gutter := strings.Repeat(" ", width)
	fmt.Fprintf(p.w, " %s |\n", gutter)
	for n := rng.Start.Line; n <= last; n++ {
		line := strings.ReplaceAll(lines[n-1], "\t", " ")
		fmt.Fprintf(p.w, " %*d | %s\n", width, n, line)
		if n == rng.Start.Line && rng.End.Line == rng.Start.Line {
			start := rng.Start.Column - 1
			end := rng.End.Column - 1
			if end <= start {
				end = start + 1
			}
			// hcl counts columns in characters, as they appear on screen.
			fmt.Fprintf(p.w, " %s | %s%s\n", gutter, strings.Repeat(" ", start), strings.Repeat("^", end-start))
		}
	}
}

func sourceLines(src []byte) []string {
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 1024*1024), 16*1024*1024)
	for sc.Scan() {
		lines = append(lines, strings.TrimRight(sc.Text(), "\r"))
	}
	return lines
}
