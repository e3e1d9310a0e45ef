package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/espressovpn/espresso/helper/api"
)

// roff escapes text for a roff line: backslashes, hyphens (which would
// otherwise print as hyphens rather than minus signs in options) and a
// leading dot or quote.
func roff(s string) string {
	s = strings.NewReplacer(`\`, `\e`, "-", `\-`, "`", "").Replace(s)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}

// writeMan writes the manual page espressoctl(1) in roff, from the command
// table.
func writeMan(w io.Writer) {
	fmt.Fprint(w, ".TH ESPRESSOCTL 1 \"\" \"Espresso\" \"User Commands\"\n")
	fmt.Fprint(w, ".SH NAME\nespressoctl \\- control the Espresso VPN helper from a terminal\n")
	fmt.Fprint(w, ".SH SYNOPSIS\n.B espressoctl\n[\\fB\\-\\-socket\\fR \\fIPATH\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR]\n")
	fmt.Fprint(w, ".SH DESCRIPTION\n", roff("espressoctl drives espresso-helper, the Espresso IPsec (IKEv2) VPN service, through the same local API as the desktop app: it imports profiles, connects and disconnects them, and shows their status and the helper's log."), "\n")
	fmt.Fprint(w, ".SH OPTIONS\n")
	for _, f := range globalFlags {
		fmt.Fprintf(w, ".TP\n%s\n%s\n", manFlag(f), roff(upperFirst(f.help)+"."))
	}
	fmt.Fprint(w, ".SH COMMANDS\n")
	for _, c := range commands {
		fmt.Fprintf(w, ".TP\n\\fB%s\\fR", roff(c.name))
		for _, f := range c.flags {
			fmt.Fprintf(w, " [%s]", manFlag(f))
		}
		if c.args != "" {
			fmt.Fprintf(w, " \\fI%s\\fR", roff(c.args))
		}
		fmt.Fprintf(w, "\n%s\n", roff(c.help))
		for _, f := range c.flags {
			fmt.Fprintf(w, ".RS\n.TP\n%s\n%s\n.RE\n", manFlag(f), roff(upperFirst(f.help)+"."))
		}
	}
	fmt.Fprint(w, ".SH \"EXIT STATUS\"\n")
	for _, x := range exitCodes {
		fmt.Fprintf(w, ".TP\n.B %d\n%s\n", x.code, roff(upperFirst(x.text)+"."))
	}
	fmt.Fprintf(w, ".SH FILES\n.TP\n.I %s\n%s\n", roff(api.DefaultSocket), roff("The helper's socket; root and members of the "+api.GroupName+" group may use it."))
	fmt.Fprint(w, ".SH \"SEE ALSO\"\n.BR espresso\\-helper (8)\n")
}

func manFlag(f flagSpec) string {
	s := `\fB\-` + roff(f.name) + `\fR`
	if len(f.name) > 1 {
		s = `\fB\-\-` + roff(f.name) + `\fR`
	}
	if f.arg != "" {
		s += ` \fI` + roff(f.arg) + `\fR`
	}
	return s
}
