package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/flowlens/ntc/classify"
	"github.com/flowlens/ntc/model"
)

func runClassify(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("classify", flag.ContinueOnError)
	in := fs.String("in", "-", "flow CSV to classify (- for stdin)")
	out := fs.String("out", "-", "where to write the classified CSV (- for stdout)")
	tasksFlag := fs.String("tasks", "app,att", "tasks to predict: app, att or app,att")
	workers := fs.Int("workers", 0, "classifying goroutines (0 = all cores)")
	noUnknown := fs.Bool("no-unknown", false, "always give the most probable label, never \"unknown\"")
	remote := fs.String("remote", "", "classify through the API at this base URL instead of locally (e.g. http://127.0.0.1:8787)")
	parallel := fs.Int("parallel", 4, "with -remote: requests in flight")
	chunkRows := fs.Int("chunk-rows", 5000, "with -remote: rows per request")
	retryPause := fs.Duration("retry-pause", 500*time.Millisecond, "with -remote: pause before the first retry of a failed request (doubling after)")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	tasks, err := model.ParseTasks(*tasksFlag)
	if err != nil {
		return usageError{err}
	}
	tasks.NoUnknown = *noUnknown
	if *parallel < 1 || *chunkRows < 1 {
		return usageError{fmt.Errorf("-parallel and -chunk-rows must be at least 1")}
	}
	r, err := openIn(*in)
	if err != nil {
		return err
	}
	defer r.Close()
	o, err := createOutput(*out, *in, stdout)
	if err != nil {
		return err
	}
	defer o.Abort() // whatever ends the run before Commit
	bw := bufio.NewWriterSize(o, 1<<16)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var st classify.Stats
	if *remote != "" {
		st, err = classifyRemote(ctx, r, bw, remoteOptions{base: *remote, parallel: *parallel, chunkRows: *chunkRows,
			tasks: tasks, attempts: 4, backoff: *retryPause})
	} else {
		var c *model.Classifier
		if c, err = model.Default(); err != nil {
			return fmt.Errorf("loading the embedded models: %w", err)
		}
		st, err = classify.Stream(ctx, c, r, bw, classify.Options{Tasks: tasks, Workers: *workers})
	}
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing output: %w", err)
	}
	if err := o.Commit(); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "classified %d rows, %d bad\n", st.Rows, st.BadRows)
	if st.BadRows > 0 {
		return errBadRows
	}
	return nil
}
