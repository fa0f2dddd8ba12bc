package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/flowlens/ntc/classify"
	"github.com/flowlens/ntc/model"
)

func runClassify(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("classify", flag.ContinueOnError)
	in := fs.String("in", "-", "flow CSV to classify (- for stdin)")
	out := fs.String("out", "-", "where to write the classified CSV (- for stdout)")
	tasksFlag := fs.String("tasks", "app,att", "tasks to predict: app, att or app,att")
	workers := fs.Int("workers", 0, "classifying goroutines (0 = all cores)")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	tasks, err := model.ParseTasks(*tasksFlag)
	if err != nil {
		return usageError{err}
	}
	c, err := model.Default()
	if err != nil {
		return fmt.Errorf("loading the embedded models: %w", err)
	}
	r, err := openIn(*in)
	if err != nil {
		return err
	}
	defer r.Close()
	var w io.Writer = stdout
	var f *os.File
	if *out != "-" {
		if f, err = os.Create(*out); err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	st, err := classify.Stream(ctx, c, r, bw, classify.Options{Tasks: tasks, Workers: *workers})
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing output: %w", err)
	}
	if f != nil {
		if err := f.Close(); err != nil {
			return fmt.Errorf("writing output: %w", err)
		}
	}
	fmt.Fprintf(stderr, "classified %d rows, %d bad\n", st.Rows, st.BadRows)
	if st.BadRows > 0 {
		return errBadRows
	}
	return nil
}
