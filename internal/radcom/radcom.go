// Package radcom locates the competition data for tests. The data lives beside the checkout in
// ../shared/data/radcom (or wherever NTC_DATA points) and is never committed.
package radcom

import (
	"os"
	"path/filepath"
	"testing"
)

// The competition files.
const (
	AppTrain     = "app_train.csv"
	AttTrain     = "att_train.csv"
	AttUnlabeled = "att_unlabeled.csv"
)

// Path returns the path of a competition file, failing the test loudly when it is missing: a test that needs
// real data never passes without it.
func Path(tb testing.TB, name string) string {
	tb.Helper()
	dir := os.Getenv("NTC_DATA")
	if dir == "" {
		root, err := repoRoot()
		if err != nil {
			tb.Fatalf("locating the repository root: %v", err)
		}
		dir = filepath.Join(root, "..", "shared", "data", "radcom")
	}
	p := filepath.Join(dir, name)
	if _, err := os.Stat(p); err != nil {
		tb.Fatalf("competition data %s is missing (set NTC_DATA or place it in ../shared/data/radcom): %v", name, err)
	}
	return p
}

// Read returns a competition file's bytes.
func Read(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(Path(tb, name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}
