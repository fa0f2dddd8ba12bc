package main

import (
	"bytes"
	"errors"
	"io/fs"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowlens/ntc/api"
	"github.com/flowlens/ntc/internal/radcom"
	"github.com/flowlens/ntc/model"
)

// TestClassifyOutputFile checks where classify's output lands: never over its own input (which creating the
// output used to empty before a row was read), whole or not at all in a regular file (a run that fails half
// way leaves no cut-off CSV, and an existing file keeps what it held), as it comes to a device.
func TestClassifyOutputFile(t *testing.T) {
	dir := t.TempDir()
	input := radcom.Read(t, radcom.AttTrain)
	in := filepath.Join(dir, "flows.csv")
	if err := os.WriteFile(in, input, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.csv")
	if err := os.Symlink(in, link); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{in, link} {
		code, _, errOut := ntc(t, "classify", "-in", in, "-out", out)
		if code != exitUsage || !strings.Contains(errOut, "is the input file") {
			t.Errorf("-out %s, the input itself: exit %d, %q; want exit %d saying so", out, code, errOut, exitUsage)
		}
		if b, _ := os.ReadFile(in); !bytes.Equal(b, input) {
			t.Fatalf("-out %s: the input file changed (%d bytes, were %d)", out, len(b), len(input))
		}
	}

	// a run that fails half way: the server refuses the seventh chunk (a cell over its body limit), after six were written
	c, err := model.Default()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.NewHandler(c, api.Options{MaxBody: 40000}))
	defer srv.Close()
	lines := strings.SplitAfter(strings.TrimRight(string(radcom.Read(t, radcom.AttUnlabeled)), "\r\n"), "\n")
	var big bytes.Buffer
	for i := range 400 {
		l := lines[1+i%(len(lines)-1)]
		if i == 300 {
			l = strings.Replace(l, ",", ","+strings.Repeat("9", 50000), 1)
		}
		big.WriteString(strings.TrimRight(l, "\r\n") + "\n")
	}
	bigIn := filepath.Join(dir, "big.csv")
	if err := os.WriteFile(bigIn, append([]byte(lines[0]), big.Bytes()...), 0o644); err != nil {
		t.Fatal(err)
	}
	fresh, existing := filepath.Join(dir, "fresh.csv"), filepath.Join(dir, "existing.csv")
	if err := os.WriteFile(existing, []byte("what was there\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{fresh, existing} {
		code, _, errOut := ntc(t, "classify", "-in", bigIn, "-out", out, "-remote", srv.URL, "-chunk-rows", "50", "-parallel", "1")
		if code != exitFailure || !strings.Contains(errOut, "server refused rows 301-350") {
			t.Fatalf("-out %s: exit %d, %q; want exit %d, the server refusing rows 301-350", out, code, errOut, exitFailure)
		}
	}
	if _, err := os.Stat(fresh); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a failed run left %s behind (%v)", fresh, err)
	}
	if b, _ := os.ReadFile(existing); string(b) != "what was there\n" {
		t.Errorf("a failed run changed an existing output file: %.100q", b)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*.tmp")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}

	// a run that succeeds replaces the existing file and keeps its permissions; a device is written to
	code, _, errOut := ntc(t, "classify", "-in", in, "-out", existing)
	if b, _ := os.ReadFile(existing); code != 0 || strings.Count(string(b), "\n") != 26 {
		t.Fatalf("exit %d (%s), %d lines in the replaced file, want 26", code, errOut, strings.Count(string(b), "\n"))
	}
	if st, err := os.Stat(existing); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("the replaced file's mode: %v (%v), want 0600", st.Mode(), err)
	}
	if code, _, errOut := ntc(t, "classify", "-in", in, "-out", os.DevNull); code != 0 {
		t.Errorf("-out %s: exit %d, %s", os.DevNull, code, errOut)
	}
	// a device is not refused as "the input file" (/dev/null read is an empty file: exit 1)
	if code, _, errOut := ntc(t, "classify", "-in", os.DevNull, "-out", os.DevNull); code != exitFailure || !strings.Contains(errOut, "the file is empty") {
		t.Errorf("-in and -out %s: exit %d, %s; want %d, the file is empty", os.DevNull, code, errOut, exitFailure)
	}
	// a link is followed: its target gets the output, the link stays a link
	target, toTarget := filepath.Join(dir, "target.csv"), filepath.Join(dir, "to-target.csv")
	if err := os.WriteFile(target, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, toTarget); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := ntc(t, "classify", "-in", in, "-out", toTarget); code != 0 {
		t.Fatalf("-out a link: exit %d, %s", code, errOut)
	}
	if st, err := os.Lstat(toTarget); err != nil || st.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", st.Mode(), err)
	}
	if b, _ := os.ReadFile(target); strings.Count(string(b), "\n") != 26 {
		t.Errorf("the link's target holds %.100q, not the output", b)
	}
}
