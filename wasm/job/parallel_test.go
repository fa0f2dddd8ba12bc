package job

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowlens/ntc/classify"
	"github.com/flowlens/ntc/model"
	"github.com/flowlens/ntc/wasm/protocol"
)

// localPool stands in for the page's helper workers: ClassifyChunk on its own copy of each request, run on
// size goroutines with a random pause first, so answers come back out of order.
type localPool struct {
	c     *model.Classifier
	size  int
	calls atomic.Int32
	block chan struct{} // if set, Classify waits for it (or ctx)
}

func (p *localPool) Size() int { return p.size }

func (p *localPool) Classify(ctx context.Context, request []byte) ([]byte, error) {
	p.calls.Add(1)
	if p.block != nil {
		select {
		case <-p.block:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	time.Sleep(time.Duration(rand.IntN(300)) * time.Microsecond)
	return ClassifyChunk(p.c, bytes.Clone(request)), nil
}

// gathered is everything a run tells the page: each progress message's rows and errors, and the final state.
type gathered struct {
	out    []byte
	rows   []protocol.RowView
	errors []protocol.RowError
	final  *protocol.Progress
	err    error
}

func gather(t *testing.T, in []byte, opts Options, run func(Options, *bytes.Buffer) (*protocol.Progress, error)) gathered {
	t.Helper()
	var g gathered
	var out bytes.Buffer
	opts.Every, opts.First = time.Nanosecond, time.Nanosecond
	opts.OnProgress = func(p *protocol.Progress) {
		g.rows = append(g.rows, sent(t, p)...)
		g.errors = append(g.errors, p.NewErrors...)
	}
	g.final, g.err = run(opts, &out)
	if g.final != nil {
		g.rows = append(g.rows, sent(t, g.final)...)
		g.errors = append(g.errors, g.final.NewErrors...)
	}
	g.out = out.Bytes()
	return g
}

// withBadRows is the real file with rows the reader rejects, quoted line breaks, blank lines and CRLF among
// good ones.
func withBadRows(t *testing.T, name string) []byte {
	lines := strings.Split(strings.TrimRight(string(readData(t, name)), "\r\n"), "\n")
	for i := 1; i < len(lines); i++ {
		switch i % 97 {
		case 3:
			lines[i] = strings.Replace(lines[i], ",tcp,", ",icmp,", 1)
		case 10:
			lines[i] = strings.Replace(lines[i], ",0,", `,0"1,`, 1)
		case 20:
			lines[i] = `"10.0.0.1` + "\n" + `x"` + lines[i][strings.IndexByte(lines[i], ','):]
		case 30:
			lines[i] += ",ragged"
		case 40:
			lines[i] = "\n" + lines[i] + "\r"
		}
	}
	return []byte(strings.Join(lines, "\n"))
}

// A run on helpers tells the page exactly what a run on one worker tells it — the same output bytes, table
// rows (with their offsets in the output), error rows, counts, histograms and label agreement — whatever the
// chunk size, the order the helpers answer in and the caps on rows and errors kept.
func TestRunParallelMatchesRun(t *testing.T) {
	c := classifier(t)
	inputs := map[string][]byte{
		"att_unlabeled.csv":      readData(t, "att_unlabeled.csv"),
		"app_train.csv with bad": withBadRows(t, "app_train.csv"),
		"att_train.csv":          readData(t, "att_train.csv"),
		"header only":            []byte(strings.SplitAfter(string(readData(t, "att_train.csv")), "\n")[0]),
	}
	for name, in := range inputs {
		for _, tc := range []struct {
			chunk, keepRows, keepErrors, helpers int
			tasks                                model.Tasks
		}{
			{0, 0, 0, 2, model.Both},
			{37, 0, 0, 3, model.Both},
			{50, 120, 2, 4, model.Tasks{App: true}},
			{1, 5, 1, 2, model.Tasks{Att: true}},
		} {
			if tc.chunk == 1 && len(in) > 200_000 {
				continue
			}
			opts := Options{Tasks: tc.tasks, TotalBytes: int64(len(in)), KeepRows: tc.keepRows, KeepErrors: tc.keepErrors, ChunkRows: tc.chunk}
			one := gather(t, in, opts, func(o Options, out *bytes.Buffer) (*protocol.Progress, error) {
				return Run(context.Background(), c, bytes.NewReader(in), out, o)
			})
			pool := &localPool{c: c, size: tc.helpers}
			many := gather(t, in, opts, func(o Options, out *bytes.Buffer) (*protocol.Progress, error) {
				return RunParallel(context.Background(), pool, bytes.NewReader(in), out, o)
			})
			where := fmt.Sprintf("%s, chunks of %d rows (0: default)", name, tc.chunk)
			if one.err != nil || many.err != nil {
				t.Fatalf("%s: %v / %v", where, one.err, many.err)
			}
			if !bytes.Equal(one.out, many.out) {
				t.Fatalf("%s: output differs (%d bytes on one worker, %d on helpers)", where, len(one.out), len(many.out))
			}
			if !reflect.DeepEqual(one.rows, many.rows) {
				t.Fatalf("%s: %d table rows on one worker, %d on helpers, or they differ", where, len(one.rows), len(many.rows))
			}
			if !reflect.DeepEqual(one.errors, many.errors) {
				t.Fatalf("%s: error rows differ:\n%+v\n%+v", where, one.errors, many.errors)
			}
			a, b := *one.final, *many.final
			a.ElapsedMs, a.RowsPerSec, b.ElapsedMs, b.RowsPerSec = 0, 0, 0, 0
			a.EncodedRows, b.EncodedRows, a.NewErrors, b.NewErrors = nil, nil, nil, nil
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("%s: final state differs:\n%+v\n%+v", where, a, b)
			}
			if want := max(1, (a.Rows+opts.withDefaults().ChunkRows-1)/opts.withDefaults().ChunkRows); int(pool.calls.Load()) != want {
				t.Fatalf("%s: %d chunks for %d rows", where, pool.calls.Load(), a.Rows)
			}
			if name == "app_train.csv with bad" && (a.Bad == 0 || len(one.errors) == 0 || a.Summary.App.Labelled == 0) {
				t.Fatalf("%s: the test input should have bad rows and labels: %+v", where, a)
			}
		}
	}
}

// A header every chunk shares but none can use fails the run as on one worker, before any output.
func TestRunParallelHeaderFailure(t *testing.T) {
	c := classifier(t)
	in := []byte("Source_IP,Protocol\n1.2.3.4,tcp\n")
	_, errOne := Run(context.Background(), c, bytes.NewReader(in), &bytes.Buffer{}, Options{Tasks: model.Both})
	var out bytes.Buffer
	p, errMany := RunParallel(context.Background(), &localPool{c: c, size: 2}, bytes.NewReader(in), &out, Options{Tasks: model.Both})
	var cf *ChunkFailure
	if !errors.As(errMany, &cf) || out.Len() != 0 {
		t.Fatalf("error %v, %d bytes written", errMany, out.Len())
	}
	if one, many := Failure(errOne, nil), Failure(errMany, p); !reflect.DeepEqual(one, many) {
		t.Fatalf("failure on helpers %+v, on one worker %+v", many, one)
	}
}

// Cancelling a run on helpers returns at once with what was merged, even with helpers still busy.
func TestRunParallelCancel(t *testing.T) {
	c := classifier(t)
	in := readData(t, "att_unlabeled.csv")
	pool := &localPool{c: c, size: 2, block: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := RunParallel(ctx, pool, bytes.NewReader(in), &bytes.Buffer{}, Options{Tasks: model.Both, ChunkRows: 100})
		done <- err
	}()
	for pool.calls.Load() < 2 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the run did not stop")
	}
}

// The framing between workers refuses a truncated message instead of misreading it.
func TestUnframeRefusesTruncated(t *testing.T) {
	b := frame(nil, []byte("head"), []byte("rows"), []byte("output"))
	if parts, err := unframe(b, 3); err != nil || string(parts[0]) != "head" || string(parts[1]) != "rows" || string(parts[2]) != "output" {
		t.Fatalf("%q %v", parts, err)
	}
	for n := range 6 {
		if _, err := unframe(b[:n], 3); err == nil {
			t.Fatalf("%d bytes read as a whole message", n)
		}
	}
}

// failingReader gives n bytes of in, then an error.
type failingReader struct {
	in  []byte
	n   int
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n == 0 {
		return 0, f.err
	}
	k := copy(p, f.in[:min(len(f.in), f.n)])
	f.in, f.n = f.in[k:], f.n-k
	return k, nil
}

// A file that cannot be read to its end fails the run with the reader's error, after the chunks read before it.
func TestRunParallelReadError(t *testing.T) {
	c := classifier(t)
	in := readData(t, "att_unlabeled.csv")
	broken := errors.New("the disk went away")
	p, err := RunParallel(context.Background(), &localPool{c: c, size: 2}, &failingReader{in: in, n: len(in) / 2, err: broken}, &bytes.Buffer{},
		Options{Tasks: model.Both, ChunkRows: 100})
	if !errors.Is(err, broken) || !strings.Contains(err.Error(), "reading the file after row") {
		t.Fatalf("err %v", err)
	}
	if p == nil || p.Rows == 0 || p.Rows >= 6249 {
		t.Fatalf("progress %+v", p)
	}
}

// More error rows than the default cap, all of them wanted: the helpers keep as many as the run asks for.
func TestRunParallelKeepsErrorsPastTheDefault(t *testing.T) {
	c := classifier(t)
	in := []byte(strings.ReplaceAll(string(readData(t, "att_unlabeled.csv")), ",tcp,", ",icmp,"))
	opts := Options{Tasks: model.Both, KeepErrors: 5000}
	one := gather(t, in, opts, func(o Options, out *bytes.Buffer) (*protocol.Progress, error) {
		return Run(context.Background(), c, bytes.NewReader(in), out, o)
	})
	many := gather(t, in, opts, func(o Options, out *bytes.Buffer) (*protocol.Progress, error) {
		return RunParallel(context.Background(), &localPool{c: c, size: 2}, bytes.NewReader(in), out, o)
	})
	if len(one.errors) <= DefaultKeepErrors || !reflect.DeepEqual(one.errors, many.errors) {
		t.Fatalf("%d error rows on one worker, %d on helpers", len(one.errors), len(many.errors))
	}
}

// failingPool never answers the first chunk and fails the second.
type failingPool struct{ c *model.Classifier }

func (failingPool) Size() int { return 2 }

func (p failingPool) Classify(ctx context.Context, request []byte) ([]byte, error) {
	parts, _ := unframe(request, 2)
	var req chunkRequest
	json.Unmarshal(parts[0], &req)
	switch req.Seq {
	case 0:
		<-ctx.Done()
		return nil, ctx.Err()
	case 1:
		return nil, errors.New("a helper worker stopped: out of memory")
	}
	return ClassifyChunk(p.c, request), nil
}

// A helper that fails stops the run at once with its reason, even while an earlier chunk is still out.
func TestRunParallelHelperFailure(t *testing.T) {
	in := readData(t, "att_unlabeled.csv")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := RunParallel(ctx, failingPool{classifier(t)}, bytes.NewReader(in), &bytes.Buffer{}, Options{Tasks: model.Both, ChunkRows: 100})
	if err == nil || err.Error() != "a helper worker stopped: out of memory" {
		t.Fatalf("err %v", err)
	}
}

// A pool without helpers is an error, not an empty success.
func TestRunParallelNeedsHelpers(t *testing.T) {
	if _, err := RunParallel(context.Background(), &localPool{size: 0}, strings.NewReader("a\n"), &bytes.Buffer{}, Options{}); err == nil {
		t.Fatal("no error")
	}
}

// answeringPool answers every request at once with its chunk's answer, computed beforehand.
type answeringPool struct{ answers map[int][]byte }

func (answeringPool) Size() int { return 4 }

func (p answeringPool) Classify(ctx context.Context, request []byte) ([]byte, error) {
	parts, _ := unframe(request, 2)
	var req chunkRequest
	json.Unmarshal(parts[0], &req)
	return p.answers[req.Seq], nil
}

// BenchmarkRunParallelMerge is the splitting worker's own share of a split run, per row: cutting the file
// into chunks, framing them, reading the answers and merging them (output, table rows with their offsets
// moved, counts), with helpers that answer at once. It bounds how fast a page with many helpers can go.
func BenchmarkRunParallelMerge(b *testing.B) {
	c := classifier(b)
	in := readData(b, "att_unlabeled.csv")
	pool := answeringPool{answers: map[int][]byte{}}
	sp, err := classify.NewSplitter(bytes.NewReader(in), ChunkRows)
	if err != nil {
		b.Fatal(err)
	}
	for seq := 0; ; seq++ {
		ch, err := sp.Next()
		if err != nil {
			break
		}
		req := chunkRequest{Seq: seq, RowsBefore: ch.RowsBefore, FirstLine: ch.FirstLine, App: true, Att: true, KeepRows: DefaultKeepRows - ch.RowsBefore, KeepErrors: DefaultKeepErrors}
		pool.answers[seq] = ClassifyChunk(c, encodeRequest(&req, ch.Body))
	}
	post := func(p *protocol.Progress) {
		if _, err := Encode(&protocol.Envelope{Kind: protocol.KindProgress, Progress: p}); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		if _, err := RunParallel(context.Background(), pool, bytes.NewReader(in), io.Discard, Options{Tasks: model.Both, OnProgress: post, Every: time.Millisecond}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(6249*b.N), "ns/row")
}
