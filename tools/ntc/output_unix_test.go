//go:build unix

package main

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/flowlens/ntc/internal/radcom"
)

// TestClassifyOutputHonoursUmask checks that a new output file gets os.Create's permissions, 0666 less the
// umask: a temporary file made private (0600) and then opened up to 0644 would publish classified traffic
// that a user's umask keeps private, and the other way round.
func TestClassifyOutputHonoursUmask(t *testing.T) {
	in := radcom.Path(t, radcom.AttTrain)
	dir := t.TempDir()
	for _, tc := range []struct {
		umask int
		want  os.FileMode
	}{{0o077, 0o600}, {0o022, 0o644}, {0o002, 0o664}} {
		old := syscall.Umask(tc.umask)
		out := filepath.Join(dir, "out.csv")
		code, _, errOut := ntc(t, "classify", "-in", in, "-out", out)
		syscall.Umask(old)
		st, err := os.Stat(out)
		if code != 0 || err != nil || st.Mode().Perm() != tc.want {
			t.Errorf("umask %03o: exit %d (%s), mode %v (%v), want %v", tc.umask, code, errOut, st.Mode().Perm(), err, tc.want)
		}
		os.Remove(out)
	}
}
