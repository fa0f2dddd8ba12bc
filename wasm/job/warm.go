package job

import (
	"bytes"
	"context"
	"io"

	"github.com/flowlens/ntc/features"
	"github.com/flowlens/ntc/model"
)

// Warm-up sizes for the page's worker: 512 made-up rows in chunks of 64.
const (
	WarmRows  = 512
	WarmChunk = 64
)

// WarmUp runs made-up flows (features.ExampleCSV) through Run, chunk rows at a time up to rows, output
// discarded, so that a WebAssembly engine has compiled the hot code well before a user's file arrives. V8
// first compiles wasm with its baseline compiler and optimises a function only once it has run hot: in node,
// the first pass over a 6,249-row file ran at 12-14k rows/s and the next ones at 19-21k; after 300 made-up
// rows the first pass ran at 19k. Between chunks WarmUp calls yield (the worker lets the page's messages in
// there) and it stops as soon as stop reports true. It returns the rows it ran.
func WarmUp(c *model.Classifier, rows, chunk int, yield func(), stop func() bool) int {
	in := features.ExampleCSV(chunk)
	done := 0
	for done < rows && !stop() {
		if _, err := Run(context.Background(), c, bytes.NewReader(in), io.Discard, Options{Tasks: model.Both}); err != nil {
			return done
		}
		done += chunk
		yield()
	}
	return done
}
