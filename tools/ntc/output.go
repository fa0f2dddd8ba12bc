package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
)

// output is where classify writes: stdout, a device or pipe written as it goes, or a regular file written
// whole or not at all. A file is written to a temporary file beside it and renamed over it only when the run
// has finished (Commit), so a run that fails half way (a server refusing a chunk, a read error) leaves no
// half-written CSV that looks whole, and an existing file stays as it was.
type output struct {
	io.Writer
	file *os.File // nil for stdout
	tmp  string   // the temporary file renamed to path on Commit; "" when writing file directly
	path string
}

// createOutput opens path for classify's output ("-" for stdout). It refuses the input file itself (in,
// "-" for stdin): creating the output would empty it before a row was read.
//
// A symbolic link is followed (its target is written and replaced, as os.Create would write it). A new file
// gets os.Create's permissions (0666 less the umask), an existing one keeps its own; another hard link to
// an existing file keeps the old content. When the directory does not let a temporary file be made beside
// the target, the target itself is written as the rows come, as before.
func createOutput(path, in string, stdout io.Writer) (*output, error) {
	if path == "-" {
		return &output{Writer: stdout}, nil
	}
	if resolved, err := filepath.EvalSymlinks(path); err == nil {
		path = resolved
	}
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		st = nil
	case err != nil:
		return nil, err
	}
	if st != nil && !st.Mode().IsRegular() { // /dev/null, a named pipe: written as the rows come
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
		if err != nil {
			return nil, err
		}
		return &output{Writer: f, file: f, path: path}, nil
	}
	if st != nil && in != "-" {
		if ist, err := os.Stat(in); err == nil && os.SameFile(st, ist) {
			return nil, usageError{fmt.Errorf("-out %s is the input file: writing it would destroy the input; choose another path", path)}
		}
	}
	f, err := createTemp(path)
	if errors.Is(err, fs.ErrPermission) {
		if f, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o666); err != nil {
			return nil, err
		}
		return &output{Writer: f, file: f, path: path}, nil
	}
	if err != nil {
		return nil, err
	}
	if st != nil {
		if err := f.Chmod(st.Mode().Perm()); err != nil {
			f.Close()
			os.Remove(f.Name())
			return nil, err
		}
	}
	return &output{Writer: f, file: f, tmp: f.Name(), path: path}, nil
}

// createTemp creates a new file beside path, with os.Create's permissions (os.CreateTemp's are 0600 whatever
// the umask).
func createTemp(path string) (*os.File, error) {
	dir, base := filepath.Split(path)
	for range 100 {
		name := filepath.Join(dir, "."+base+"."+strconv.FormatUint(rand.Uint64(), 36)+".tmp")
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, err
	}
	return nil, fmt.Errorf("no free temporary name beside %s", path)
}

// Commit finishes the output: a file is closed and, when written to a temporary file, renamed into place.
// Abort does nothing after it.
func (o *output) Commit() error {
	defer func() { o.file = nil }()
	if o.file == nil {
		return nil
	}
	if o.tmp != "" {
		if err := o.file.Sync(); err != nil { // on disk before it replaces what was there
			o.Abort()
			return fmt.Errorf("writing output: %w", err)
		}
	}
	if err := o.file.Close(); err != nil {
		o.Abort()
		return fmt.Errorf("writing output: %w", err)
	}
	if o.tmp != "" {
		if err := os.Rename(o.tmp, o.path); err != nil {
			os.Remove(o.tmp)
			return fmt.Errorf("writing output: %w", err)
		}
	}
	return nil
}

// Abort drops an unfinished output: the temporary file is removed (the path keeps what it held before).
// Output already written to stdout, a device or a pipe stays written. After Commit it does nothing.
func (o *output) Abort() {
	if o.file == nil {
		return
	}
	o.file.Close()
	if o.tmp != "" {
		os.Remove(o.tmp)
	}
}
