package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
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
func createOutput(path, in string, stdout io.Writer) (*output, error) {
	if path == "-" {
		return &output{Writer: stdout}, nil
	}
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		st = nil
	case err != nil:
		return nil, err
	}
	if st != nil && in != "-" {
		if ist, err := os.Stat(in); err == nil && os.SameFile(st, ist) {
			return nil, usageError{fmt.Errorf("-out %s is the input file: writing it would destroy the input; choose another path", path)}
		}
	}
	if st != nil && !st.Mode().IsRegular() { // /dev/null, a named pipe: written as the rows come
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
		if err != nil {
			return nil, err
		}
		return &output{Writer: f, file: f, path: path}, nil
	}
	mode := fs.FileMode(0o644)
	if st != nil {
		mode = st.Mode().Perm()
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return &output{Writer: f, file: f, tmp: f.Name(), path: path}, nil
}

// Commit finishes the output: a file is closed and, when written to a temporary file, renamed into place.
func (o *output) Commit() error {
	if o.file == nil {
		return nil
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
// Output already written to stdout, a device or a pipe stays written.
func (o *output) Abort() {
	if o.file == nil {
		return
	}
	o.file.Close()
	if o.tmp != "" {
		os.Remove(o.tmp)
	}
}
