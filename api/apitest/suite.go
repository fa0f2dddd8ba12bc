// Package apitest is the API's conformance suite. It talks HTTP to a base URL only, so the same tests run
// against the native server and the edge worker on workerd.
package apitest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowlens/ntc/classify"
	"github.com/flowlens/ntc/internal/radcom"
	"github.com/flowlens/ntc/model"
)

// Reference is what `ntc classify` writes for an input: the bytes every response must equal.
func Reference(t testing.TB, input []byte, tasks model.Tasks) []byte {
	t.Helper()
	c, err := model.Default()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := classify.Stream(context.Background(), c, bytes.NewReader(input), &out, classify.Options{Tasks: tasks}); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

type client struct {
	t    *testing.T // the test now running: each subtest sets it
	base string
	http *http.Client
}

func (c *client) do(method, path, contentType, accept string, body []byte) (*http.Response, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if body == nil {
		req.Body = nil
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	return Send(c.t, c.http, req)
}

// Send sends req with hc and returns the response with its whole body; a request that cannot be sent or
// read fails the test.
func Send(t testing.TB, hc *http.Client, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.RequestURI(), err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", req.Method, req.URL.RequestURI(), err)
	}
	return resp, b
}

func (c *client) with(t *testing.T) *client {
	cc := *c
	cc.t = t
	return &cc
}

// Run checks the API at base. maxBody is the server's body limit.
func Run(t *testing.T, base string, maxBody int64) {
	c := &client{t: t, base: strings.TrimSuffix(base, "/"), http: &http.Client{Timeout: 2 * time.Minute}}
	_, specBytes := c.do("GET", "/openapi.json", "", "", nil)
	sp, err := parseSpec(specBytes)
	if err != nil {
		t.Fatalf("/openapi.json: %v", err)
	}
	if sp.doc["openapi"] != "3.1.0" {
		t.Fatalf("/openapi.json declares openapi %v", sp.doc["openapi"])
	}
	// checkJSON validates a JSON response against the schema the spec documents for it.
	checkJSON := func(t *testing.T, path, method string, resp *http.Response, body []byte) {
		t.Helper()
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Fatalf("%s %s: Content-Type %q", method, path, ct)
		}
		schema, err := sp.responseSchema(path, strings.ToLower(method), fmt.Sprint(resp.StatusCode), "application/json")
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		if err := sp.validate(v, schema, "body"); err != nil {
			t.Errorf("%s %s %d does not match /openapi.json: %v", method, path, resp.StatusCode, err)
		}
	}

	appTrain := radcom.Read(t, radcom.AppTrain)
	attTrain := radcom.Read(t, radcom.AttTrain)
	unlabeled := radcom.Read(t, radcom.AttUnlabeled)
	// grown is header followed by att_unlabeled.csv's rows (LF line ends), repeated to more than n bytes.
	unlabeledHeader, unlabeledRows, _ := strings.Cut(strings.ReplaceAll(string(unlabeled), "\r", ""), "\n")
	unlabeledRows = strings.TrimRight(unlabeledRows, "\n") + "\n"
	grown := func(header string, n int) []byte {
		b := []byte(header + "\n")
		for len(b) <= n {
			b = append(b, unlabeledRows...)
		}
		return b
	}

	t.Run("classify is byte-identical to ntc classify", func(t *testing.T) {
		c := c.with(t)
		for _, tc := range []struct {
			name  string
			input []byte
			query string
			tasks model.Tasks
		}{
			{radcom.AttTrain, attTrain, "", model.Both},
			{radcom.AppTrain, appTrain, "?tasks=app,att", model.Both},
			{radcom.AttUnlabeled, unlabeled, "", model.Both},
			{radcom.AttTrain + " att only", attTrain, "?tasks=att", model.Tasks{Att: true}},
		} {
			resp, body := c.do("POST", "/v1/classify"+tc.query, "text/csv", "", tc.input)
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
				t.Fatalf("%s: %d %s: %.300s", tc.name, resp.StatusCode, resp.Header.Get("Content-Type"), body)
			}
			if want := Reference(t, tc.input, tc.tasks); !bytes.Equal(body, want) {
				t.Errorf("%s: response (%d bytes) differs from ntc classify (%d bytes)", tc.name, len(body), len(want))
			}
			if resp.Header.Get("X-NTC-Model-App") == "" || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
				t.Errorf("%s: headers %v", tc.name, resp.Header)
			}
		}
	})

	t.Run("bad rows are answered inline", func(t *testing.T) {
		c := c.with(t)
		lines := strings.Split(string(attTrain), "\n")
		fields := strings.Split(lines[2], ",")
		fields[slices.Index(strings.Split(lines[0], ","), "Protocol")] = "sctp"
		input := []byte(strings.Join([]string{lines[0], lines[1], strings.Join(fields, ","), lines[3]}, "\n") + "\n")
		resp, body := c.do("POST", "/v1/classify", "text/csv", "", input)
		if resp.StatusCode != 200 {
			t.Fatalf("%d: %s", resp.StatusCode, body)
		}
		if !bytes.Equal(body, Reference(t, input, model.Both)) {
			t.Error("differs from ntc classify")
		}
		if !strings.Contains(string(body), "column \"\"Protocol\"\"") {
			t.Errorf("no inline error naming the column in:\n%s", body)
		}
	})

	t.Run("NDJSON rows match the schema", func(t *testing.T) {
		c := c.with(t)
		resp, body := c.do("POST", "/v1/classify", "text/csv", "application/x-ndjson", attTrain)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/x-ndjson" {
			t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		schema, err := sp.responseSchema("/v1/classify", "post", "200", "application/x-ndjson")
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(body))
		n := 0
		for sc.Scan() {
			var v map[string]any
			if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
				t.Fatal(err)
			}
			if err := sp.validate(v, schema, "line"); err != nil {
				t.Fatal(err)
			}
			n++
			if v["row"] != float64(n) || v["attribution"] == nil {
				t.Fatalf("line %d: %v", n, v)
			}
		}
		if n != 25 {
			t.Errorf("%d lines, want 25", n)
		}
	})

	t.Run("error statuses", func(t *testing.T) {
		c := c.with(t)
		lines := strings.SplitN(string(attTrain), "\n", 2)
		noProto := strings.Replace(lines[0], "Protocol,", "", 1) + "\n"
		for _, tc := range []struct {
			name, method, path, contentType string
			body                            []byte
			status                          int
			code, detail                    string
		}{
			{"wrong method", "GET", "/v1/classify", "", nil, 405, "method_not_allowed", "POST"},
			{"wrong method on model", "POST", "/v1/model", "text/csv", []byte("x"), 405, "method_not_allowed", "GET"},
			{"wrong content type", "POST", "/v1/classify", "application/json", []byte("{}"), 415, "unsupported_media_type", "text/csv"},
			{"missing columns", "POST", "/v1/classify", "text/csv", []byte(noProto), 400, "missing_columns", "Protocol"},
			{"empty body", "POST", "/v1/classify", "text/csv", []byte{}, 400, "bad_header", "empty"},
			{"bad tasks", "POST", "/v1/classify?tasks=weather", "text/csv", attTrain, 400, "bad_tasks", "weather"},
			{"too large", "POST", "/v1/classify", "text/csv", bytes.Repeat([]byte("a"), int(maxBody)+1), 413, "body_too_large", "limit"},
		} {
			resp, body := c.do(tc.method, tc.path, tc.contentType, "", tc.body)
			if resp.StatusCode != tc.status {
				t.Errorf("%s: status %d, want %d: %.200s", tc.name, resp.StatusCode, tc.status, body)
				continue
			}
			var e struct{ Error, Detail string }
			if err := json.Unmarshal(body, &e); err != nil || e.Error != tc.code || !strings.Contains(e.Detail, tc.detail) {
				t.Errorf("%s: body %s; want error %q mentioning %q", tc.name, body, tc.code, tc.detail)
			}
			// A 405 is documented on the operation the path does have.
			documented := map[string]string{"/v1/classify": "POST", "/v1/model": "GET"}[strings.Split(tc.path, "?")[0]]
			checkJSON(t, strings.Split(tc.path, "?")[0], documented, resp, body)
		}
	})

	t.Run("model card, health, docs", func(t *testing.T) {
		c := c.with(t)
		resp, body := c.do("GET", "/v1/model", "", "", nil)
		checkJSON(t, "/v1/model", "GET", resp, body)
		var card struct {
			App struct {
				Labels []string
			}
			OutputColumns []string `json:"output_columns"`
		}
		json.Unmarshal(body, &card)
		if len(card.App.Labels) != 128 || !slices.Equal(card.OutputColumns, classify.OutputColumns) {
			t.Errorf("card: %d app labels, output columns %v", len(card.App.Labels), card.OutputColumns)
		}
		resp, body = c.do("GET", "/healthz", "", "", nil)
		checkJSON(t, "/healthz", "GET", resp, body)
		resp, body = c.do("GET", "/docs", "", "", nil)
		if resp.StatusCode != 200 || !strings.Contains(string(body), "/v1/classify") {
			t.Errorf("/docs: %d", resp.StatusCode)
		}
		// every documented path answers
		for path := range sp.doc["paths"].(map[string]any) {
			if path == "/v1/classify" {
				continue
			}
			if resp, _ := c.do("GET", path, "", "", nil); resp.StatusCode != 200 {
				t.Errorf("GET %s: %d", path, resp.StatusCode)
			}
		}
	})

	t.Run("headers given as lists, repeated parameters, huge offsets", func(t *testing.T) {
		c := c.with(t)
		// the edge's runtime hands a header over split at its commas: every value must count
		resp, body := c.do("POST", "/v1/classify", "text/csv", "application/json, application/x-ndjson", attTrain)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/x-ndjson" {
			t.Errorf("Accept listing NDJSON second: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		resp, _ = c.do("POST", "/v1/classify", "text/csv", "application/x-ndjson;q=0, text/csv", attTrain)
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
			t.Errorf("Accept refusing NDJSON (q=0): %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		resp, body = c.do("POST", "/v1/classify", "text/csv, text/plain", "", attTrain)
		if resp.StatusCode != 415 {
			t.Errorf("Content-Type listing two types: %d, want 415: %.200s", resp.StatusCode, body)
		}
		resp, body = c.do("POST", "/v1/classify?tasks=att&tasks=app", "text/csv", "", attTrain)
		if resp.StatusCode != 200 || !bytes.Equal(body, Reference(t, attTrain, model.Both)) {
			t.Errorf("?tasks=att&tasks=app: %d, %d bytes, want both tasks' answer", resp.StatusCode, len(body))
		}
		resp, body = c.do("POST", "/v1/classify?rows_before=9223372036854775806&first_line=2", "text/csv", "", attTrain)
		if resp.StatusCode != 400 || !strings.Contains(string(body), "bad_offset") {
			t.Errorf("rows_before near the int64 limit: %d, want 400 bad_offset: %.200s", resp.StatusCode, body)
		}
	})

	t.Run("an error answered before the body was read to its end leaves the server ready", func(t *testing.T) {
		c := c.with(t)
		// 3 MB of real rows under a header without Protocol: refused at the header; the server must still
		// take the next requests at once (wrangler's dev proxy did not, when the body was left half read)
		big := grown(strings.Replace(unlabeledHeader, "Protocol,", "proto,", 1), 3<<20)
		resp, body := c.do("POST", "/v1/classify", "text/csv", "", big)
		if resp.StatusCode != 400 || !strings.Contains(string(body), "missing_columns") {
			t.Fatalf("a header without Protocol: %d: %.200s", resp.StatusCode, body)
		}
		hc := &http.Client{Timeout: 20 * time.Second}
		for _, path := range []string{"/healthz", "/v1/model"} {
			req, _ := http.NewRequest("GET", c.base+path, nil)
			if resp, _ := Send(t, hc, req); resp.StatusCode != 200 {
				t.Errorf("GET %s right after: %d", path, resp.StatusCode)
			}
		}
		resp, body = c.do("POST", "/v1/classify", "text/csv", "", attTrain)
		if resp.StatusCode != 200 || !bytes.Equal(body, Reference(t, attTrain, model.Both)) {
			t.Errorf("a classify right after: %d: %.200s", resp.StatusCode, body)
		}
	})

	t.Run("a body that crosses the limit after output began fails; never a whole-looking 200", func(t *testing.T) {
		c := c.with(t)
		body := grown(unlabeledHeader, int(maxBody)+(256<<10))
		// an io.Reader of unknown length: sent chunked, no Content-Length to refuse it by
		// as a chunk of a bigger file (ntc classify --remote's numbering): the closing row counts from there
		req, _ := http.NewRequest("POST", c.base+"/v1/classify?rows_before=5000&first_line=5002", io.MultiReader(bytes.NewReader(body)))
		req.Header.Set("Content-Type", "text/csv")
		resp, err := c.http.Do(req)
		if err != nil {
			return // cut before the status line: the client knows it failed
		}
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		// the answer's last line, when it got that far, is a row saying the answer stops there
		answer := strings.Split(strings.TrimSuffix(string(got), "\n"), "\n") // header, rows, the closing row
		last := answer[len(answer)-1]
		closing := strings.HasSuffix(string(got), "\n") &&
			strings.Contains(last, fmt.Sprintf("crossed the limit of %d bytes after row %d, so the answer stops here", maxBody, 5000+len(answer)-2))
		switch {
		case resp.StatusCode == 413: // found over the limit before the output began
		case resp.StatusCode == 200 && err != nil: // cut: the client knows the answer is short
		case resp.StatusCode == 200 && closing: // read to a clean end (the edge's runtime), but the last row says it stops
		default:
			t.Errorf("status %d, %d bytes of answer read to a clean end (%v), ending %.300q, for a %d-byte body over the %d-byte limit: a short answer passed as whole",
				resp.StatusCode, len(got), err, last, len(body), maxBody)
		}
	})

	t.Run("CORS preflight", func(t *testing.T) {
		c := c.with(t)
		req, _ := http.NewRequest("OPTIONS", c.base+"/v1/classify", nil)
		req.Header.Set("Origin", "https://elsewhere.example")
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "content-type")
		resp, err := c.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "*" ||
			!strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "POST") {
			t.Errorf("preflight: %d %v", resp.StatusCode, resp.Header)
		}
	})
}

// LoadResult is a bounded load test's outcome.
type LoadResult struct {
	Requests    int
	RowsPerBody int
	Seconds     float64
	PerSecond   float64
	P50, P99    time.Duration
	Status5xx   int
}

// Load posts a fixed number of bodies of rowsPerBody rows (taken from att_unlabeled.csv) with the given
// concurrency, and reports throughput and latency. It stops by itself after requests requests.
func Load(t testing.TB, base string, requests, concurrency, rowsPerBody int) LoadResult {
	lines := strings.Split(strings.ReplaceAll(string(radcom.Read(t, radcom.AttUnlabeled)), "\r", ""), "\n")
	body := []byte(strings.Join(lines[:1+rowsPerBody], "\n") + "\n")
	hc := &http.Client{Timeout: time.Minute}
	lat := make([]time.Duration, requests)
	var mu sync.Mutex
	res := LoadResult{Requests: requests, RowsPerBody: rowsPerBody}
	next := make(chan int)
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				t0 := time.Now()
				resp, err := hc.Post(strings.TrimSuffix(base, "/")+"/v1/classify", "text/csv", bytes.NewReader(body))
				status := 599
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					status = resp.StatusCode
				}
				lat[i] = time.Since(t0)
				if status >= 500 {
					mu.Lock()
					res.Status5xx++
					mu.Unlock()
				}
			}
		}()
	}
	for i := 0; i < requests; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	res.Seconds = time.Since(start).Seconds()
	res.PerSecond = float64(requests) / res.Seconds
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	res.P50 = lat[requests/2]
	res.P99 = lat[(requests*99+99)/100-1]
	return res
}
