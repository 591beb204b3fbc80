package mime

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/spamkit/spamkit/internal/mimetest"
)

// outlookLevel1 is Microsoft's published list of the file types Outlook
// blocks (Level 1), "Blocked attachments in Outlook"
// (https://support.microsoft.com/en-us/office/blocked-attachments-in-outlook-434752e1-02d3-4e90-9124-8b81e49a8519),
// written out here so that a list shortened by mistake fails.
var outlookLevel1 = []string{
	"ade", "adp", "app", "appcontent-ms", "application", "appref-ms", "asp", "aspx", "asx",
	"bas", "bat", "bgi", "cab", "cdxml", "cer", "chm", "cmd", "cnt", "com", "cpl", "crt", "csh",
	"der", "diagcab", "exe", "fxp", "gadget", "grp", "hlp", "hpj", "hta", "htc", "inf", "ins",
	"isp", "its", "jar", "jnlp", "js", "jse", "ksh", "library-ms", "lnk", "mad", "maf", "mag",
	"mam", "maq", "mar", "mas", "mat", "mau", "mav", "maw", "mcf", "mda", "mdb", "mde", "mdt",
	"mdw", "mdz", "msc", "msh", "msh1", "msh2", "mshxml", "msh1xml", "msh2xml", "msi", "msp",
	"mst", "msu", "ops", "osd", "pcd", "pif", "pl", "plg", "prf", "prg", "printerexport", "ps1",
	"ps1xml", "ps2", "ps2xml", "psc1", "psc2", "psd1", "psdm1", "pssc", "pst", "py", "pyc",
	"pyo", "pyw", "pyz", "pyzw", "reg", "scf", "scr", "sct", "search-ms", "settingcontent-ms",
	"shb", "shs", "theme", "tmp", "udl", "url", "vb", "vbe", "vbp", "vbs", "vhd", "vhdx",
	"vsmacros", "vsw", "webpnp", "website", "ws", "wsb", "wsc", "wsf", "wsh", "xbap", "xll", "xnk",
}

// campaignExtensions are the extensions abused by recent campaigns
// beyond Outlook's list: disk images that Windows mounts on a double
// click, OneNote notebooks, MSIX/AppX installers, Excel add-ins.
var campaignExtensions = []string{
	"one", "onepkg", "iso", "img", "vhd", "vhdx", "lnk", "url", "appx", "appxbundle", "msix",
	"msixbundle", "xll", "wsf", "hta", "chm",
}

// TestDangerousExtensions scans one attachment per extension of
// Outlook's Level 1 list and of recent campaigns, in lower and upper
// case, and one ".pdf.<ext>" double extension per entry.
func TestDangerousExtensions(t *testing.T) {
	var s Scanner
	for _, ext := range slices.Concat(outlookLevel1, campaignExtensions) {
		t.Run(ext, func(t *testing.T) {
			for _, name := range []string{"file." + ext, "FILE." + upper(ext)} {
				r := s.Scan(context.Background(), mimetest.Message("s", "x", att(name, "", []byte("data"))))
				if !r.Has(KindDangerousExtension) {
					t.Errorf("Scan(attachment %q) findings = %q, want %s", name, findings(r), KindDangerousExtension)
				}
			}
			name := "invoice.pdf." + ext
			r := s.Scan(context.Background(), mimetest.Message("s", "x", att(name, "", []byte("data"))))
			if !r.Has(KindDoubleExtension) {
				t.Errorf("Scan(attachment %q) findings = %q, want %s", name, findings(r), KindDoubleExtension)
			}
			if o := (Policy{}).Decide(r); o.Result != ActionReject {
				t.Errorf("Decide(attachment %q) = %v, want %s", name, o, ActionReject)
			}
		})
	}
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// TestDangerousExtensionsHarmless checks that common document types are
// not in the list, so that the test above cannot pass by listing
// everything.
func TestDangerousExtensionsHarmless(t *testing.T) {
	var s Scanner
	for _, ext := range []string{"pdf", "docx", "xlsx", "jpg", "png", "txt", "zip", "eml", "csv"} {
		name := fmt.Sprintf("report.%s", ext)
		r := s.Scan(context.Background(), mimetest.Message("s", "x", att(name, "", []byte("data"))))
		if r.Has(KindDangerousExtension) {
			t.Errorf("Scan(attachment %q) findings = %q, want no %s", name, findings(r), KindDangerousExtension)
		}
	}
}
