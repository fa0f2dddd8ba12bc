package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/flowlens/ntc/classify"
	"github.com/flowlens/ntc/features"
	"github.com/flowlens/ntc/model"
)

// remoteOptions configure classification through the API.
type remoteOptions struct {
	base      string
	parallel  int
	chunkRows int
	tasks     model.Tasks
	attempts  int
	backoff   time.Duration
}

// remoteResult is one chunk's answer: its output records without the header, and how many were bad.
type remoteResult struct {
	header  []byte
	body    []byte
	rows    int
	badRows int
	err     error
}

// classifyRemote sends r to the API in chunks of whole records (header repeated), parallel requests at a
// time, retrying a chunk that fails for a transient reason, and writes the answers in input order: the
// output is byte-identical to a local classify.
func classifyRemote(ctx context.Context, r io.Reader, w io.Writer, o remoteOptions) (classify.Stats, error) {
	st := classify.Stats{}
	sp, err := classify.NewSplitter(r, o.chunkRows)
	if err != nil {
		return st, err
	}
	// A header the server would refuse is refused here, as a local run words it: otherwise every chunk
	// fails alike and whichever answered first names its rows, a different range from run to run.
	if _, err := features.NewReader(bytes.NewReader(sp.Header())); err != nil {
		return st, err
	}
	var readErr error // the input's, for the message below: read once Ordered has returned
	next := func() (*classify.Chunk, error) {
		c, err := sp.Next()
		if err != nil && !errors.Is(err, io.EOF) {
			readErr = err
		}
		return c, err
	}
	client := &http.Client{Timeout: 10 * time.Minute}
	post := func(ctx context.Context, c *classify.Chunk) (remoteResult, error) {
		res := postChunk(ctx, client, o, c)
		return res, res.err
	}
	first := true
	write := func(p remoteResult) error {
		if first {
			first = false
			if _, err := w.Write(p.header); err != nil {
				return err
			}
		}
		if _, err := w.Write(p.body); err != nil {
			return err
		}
		st.Rows += p.rows
		st.BadRows += p.badRows
		return nil
	}
	err = classify.Ordered(ctx, o.parallel, next, post, write)
	if readErr != nil && err == readErr {
		return st, fmt.Errorf("reading input: %w", err)
	}
	return st, err
}

// postChunk sends one chunk, retrying network errors and 5xx answers with a growing pause.
func postChunk(ctx context.Context, client *http.Client, o remoteOptions, c *classify.Chunk) remoteResult {
	q := url.Values{}
	q.Set("tasks", tasksParam(o.tasks))
	if o.tasks.NoUnknown {
		q.Set("unknown", "false")
	}
	q.Set("rows_before", strconv.Itoa(c.RowsBefore))
	q.Set("first_line", strconv.Itoa(c.FirstLine))
	target := strings.TrimSuffix(o.base, "/") + "/v1/classify?" + q.Encode()
	var last error
	for attempt := 1; attempt <= o.attempts; attempt++ {
		if attempt > 1 {
			select {
			case <-time.After(o.backoff * time.Duration(1<<(attempt-2))):
			case <-ctx.Done():
				return remoteResult{err: ctx.Err()}
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(c.Body))
		if err != nil {
			return remoteResult{err: err}
		}
		req.Header.Set("Content-Type", "text/csv")
		resp, err := client.Do(req)
		if err != nil {
			last = err
			continue
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch {
		case err != nil:
			last = fmt.Errorf("reading the answer: %w", err)
		case resp.StatusCode >= 500:
			last = fmt.Errorf("server answered %s: %.200s", resp.Status, body)
		case resp.StatusCode != http.StatusOK:
			var e struct{ Error, Detail string }
			if json.Unmarshal(body, &e) == nil && e.Detail != "" {
				return remoteResult{err: fmt.Errorf("server refused rows %d-%d: %s", c.RowsBefore+1, c.RowsBefore+c.Rows, e.Detail)}
			}
			return remoteResult{err: fmt.Errorf("server answered %s", resp.Status)}
		default:
			res := splitAnswer(body)
			if res.err == nil && res.rows != c.Rows { // a short answer that ended cleanly is not whole
				res.err = fmt.Errorf("rows %d-%d: the server answered %d rows for %d", c.RowsBefore+1, c.RowsBefore+c.Rows, res.rows, c.Rows)
			}
			return res
		}
	}
	return remoteResult{err: fmt.Errorf("rows %d-%d failed %d times, last: %w", c.RowsBefore+1, c.RowsBefore+c.Rows, o.attempts, last)}
}

// splitAnswer separates a chunk's CSV answer into its header and rows, counting rows with an error.
func splitAnswer(body []byte) remoteResult {
	r := csv.NewReader(bytes.NewReader(body))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	res := remoteResult{}
	headerEnd := -1
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return remoteResult{err: fmt.Errorf("unreadable answer: %w", err)}
		}
		if headerEnd < 0 {
			headerEnd = int(r.InputOffset())
			continue
		}
		res.rows++
		if rec[len(rec)-1] != "" {
			res.badRows++
		}
	}
	if headerEnd < 0 {
		return remoteResult{err: errors.New("empty answer")}
	}
	res.header, res.body = body[:headerEnd], body[headerEnd:]
	return res
}

func tasksParam(t model.Tasks) string {
	var names []string
	if t.App {
		names = append(names, model.TaskApp)
	}
	if t.Att {
		names = append(names, model.TaskAtt)
	}
	return strings.Join(names, ",")
}
