package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/flowlens/ntc/api"
	"github.com/flowlens/ntc/internal/radcom"
	"github.com/flowlens/ntc/model"
)

// flaky answers 503 to the first try of every chunk, so every chunk needs its retry.
type flaky struct {
	next http.Handler
	mu   sync.Mutex
	seen map[string]bool
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	first := !f.seen[r.URL.RawQuery]
	f.seen[r.URL.RawQuery] = true
	f.mu.Unlock()
	if first && r.URL.Path == "/v1/classify" {
		http.Error(w, "try again", http.StatusServiceUnavailable)
		return
	}
	f.next.ServeHTTP(w, r)
}

// TestRemoteIsByteIdenticalToLocal splits real files, bad rows included, into many chunks sent in parallel to
// a server that fails every first attempt, and compares the result with a local classify.
func TestRemoteIsByteIdenticalToLocal(t *testing.T) {
	c, err := model.Default()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(&flaky{next: api.NewHandler(c, api.Options{}), seen: map[string]bool{}})
	defer srv.Close()

	dir := t.TempDir()
	lines := strings.Split(string(radcom.Read(t, radcom.AppTrain)), "\n")
	lines[5] = strings.Replace(lines[5], ",tcp,", ",tcpx,", 1)
	lines[77] += ",ragged"
	lines[300] = ""
	// bare quotes: each an error that ends its record on its line (counting quotes would run 400 to 450 together)
	lines[400] = strings.Replace(lines[400], ",0,", `,0"1,`, 1)
	lines[450] = strings.Replace(lines[450], ",0,", `,0"1,`, 1)
	lines[451] += "\n\n"                                           // blank lines inside a chunk keep the line numbers after them
	lines[620] = strings.Replace(lines[620], ",tcp,", ",tcpx,", 1) // a bad row in a later chunk: its row number depends on the chunks before
	withBad := filepath.Join(dir, "bad.csv")
	os.WriteFile(withBad, []byte(strings.Join(lines, "\n")), 0o644)

	for _, in := range []string{radcom.Path(t, radcom.AttUnlabeled), withBad} {
		local, remote := filepath.Join(dir, "local.csv"), filepath.Join(dir, "remote.csv")
		codeL, _, errL := ntc(t, "classify", "-in", in, "-out", local)
		codeR, _, errR := ntc(t, "classify", "-in", in, "-out", remote, "-remote", srv.URL, "-parallel", "3", "-chunk-rows", "97", "-retry-pause", "5ms")
		if codeL != codeR || errL != errR {
			t.Errorf("%s: local exit %d %q, remote exit %d %q", filepath.Base(in), codeL, errL, codeR, errR)
		}
		a, _ := os.ReadFile(local)
		b, _ := os.ReadFile(remote)
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s: remote output (%d bytes) differs from local (%d bytes)", filepath.Base(in), len(b), len(a))
		}
	}
}

func TestRemoteReportsRefusal(t *testing.T) {
	c, err := model.Default()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.NewHandler(c, api.Options{}))
	defer srv.Close()
	dir := t.TempDir()
	header := strings.TrimRight(strings.SplitN(string(radcom.Read(t, radcom.AttUnlabeled)), "\n", 2)[0], "\r")
	rows := strings.Repeat(strings.Repeat("1,", 110)+"1\n", 30)
	for _, tc := range []struct{ name, input, says string }{
		{"not a flow CSV", "a,b\n" + rows, "missing 106 required column(s)"},
		{"empty", "", "the file is empty"},
		{"a duplicated column", header + ",Protocol\n" + rows, `column "Protocol" appears twice`},
	} {
		in := filepath.Join(dir, "in.csv")
		os.WriteFile(in, []byte(tc.input), 0o644)
		code, _, errOut := ntc(t, "classify", "-in", in, "-out", in+".out", "-remote", srv.URL, "-chunk-rows", "5")
		_, _, local := ntc(t, "classify", "-in", in, "-out", in+".out")
		// said as a local run says it, not as "server refused rows N-M" for whichever chunk answered first
		if code != exitFailure || !strings.Contains(errOut, tc.says) || errOut != local {
			t.Errorf("%s: exit %d: %q; want exit %d and what a local run says, %q", tc.name, code, errOut, exitFailure, local)
		}
	}
}

// TestRemoteRefusesAShortAnswer checks that a chunk answered with fewer rows than it holds, ending cleanly (as
// the edge's runtime ends even a failed stream), fails the run instead of passing as whole.
func TestRemoteRefusesAShortAnswer(t *testing.T) {
	c, err := model.Default()
	if err != nil {
		t.Fatal(err)
	}
	real := api.NewHandler(c, api.Options{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		real.ServeHTTP(rec, r)
		lines := strings.SplitAfter(rec.Body.String(), "\n")
		w.Header().Set("Content-Type", "text/csv")
		io.WriteString(w, strings.Join(lines[:len(lines)-2], "")) // the last row left out
	}))
	defer srv.Close()
	in := radcom.Path(t, radcom.AttTrain)
	code, _, errOut := ntc(t, "classify", "-in", in, "-out", filepath.Join(t.TempDir(), "out.csv"), "-remote", srv.URL, "-chunk-rows", "10", "-parallel", "1")
	if code != exitFailure || !strings.Contains(errOut, "rows 1-10: the server answered 9 rows for 10") {
		t.Errorf("exit %d: %q; want exit %d, the short answer named", code, errOut, exitFailure)
	}
}
