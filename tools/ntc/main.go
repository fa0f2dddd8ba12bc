// Command ntc classifies encrypted-traffic flow CSVs and trains, evaluates and cross-validates the models
// behind it. Run `ntc help` for the commands.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// Exit codes, documented in the README.
const (
	exitOK      = 0
	exitFailure = 1 // the input or a file could not be used at all
	exitUsage   = 2 // bad flags
	exitBadRows = 3 // classify finished, but some rows were reported in the error column
)

type command struct {
	name, summary string
	run           func(args []string, stdout, stderr io.Writer) error
}

var commands = []command{
	{"classify", "label every flow of a CSV with application and attribution", runClassify},
	{"explain", "show which features pushed one row's predictions", runExplain},
	{"eval", "score a model on a labelled CSV", runEval},
	{"cv", "repeated k-fold cross-validation of the training recipe", runCV},
	{"train", "train a model bundle", runTrain},
	{"folds", "print the cross-validation folds (for side-by-side baselines)", runFolds},
	{"serve", "serve the page and the HTTP API", runServe},
}

// errBadRows marks a run that completed but reported bad rows.
var errBadRows = errors.New("some rows could not be classified; see the error column")

// usageError is a flag problem: exit code 2.
type usageError struct{ error }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		err := c.run(args[1:], stdout, stderr)
		var ue usageError
		switch {
		case err == nil:
			return exitOK
		case errors.Is(err, flag.ErrHelp):
			return exitOK
		case errors.As(err, &ue):
			fmt.Fprintf(stderr, "ntc %s: %v\n", c.name, err)
			return exitUsage
		case errors.Is(err, errBadRows):
			fmt.Fprintf(stderr, "ntc %s: %v\n", c.name, err)
			return exitBadRows
		default:
			fmt.Fprintf(stderr, "ntc %s: %v\n", c.name, err)
			return exitFailure
		}
	}
	fmt.Fprintf(stderr, "ntc: unknown command %q\n", args[0])
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: ntc <command> [flags]   (ntc <command> -h for its flags)")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
}

// parseFlags parses a command's flags, turning flag errors into usage errors.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}

// openIn opens a named input, "-" being stdin.
func openIn(path string) (io.ReadCloser, error) {
	if path == "-" {
		return io.NopCloser(os.Stdin), nil
	}
	return os.Open(path)
}
