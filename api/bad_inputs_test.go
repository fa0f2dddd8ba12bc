package api_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/flowlens/ntc/api"
	"github.com/flowlens/ntc/api/apitest"
	"github.com/flowlens/ntc/classify"
	"github.com/flowlens/ntc/internal/radcom"
	"github.com/flowlens/ntc/model"
)

// The transport's side of the bad-inputs catalogue (testdata/bad/README.md). The per-case table, which runs
// every case through the CLI and this API alike, is tools/ntc/bad_inputs_test.go.

func badInputsServer(t *testing.T, opts api.Options) string {
	t.Helper()
	c, err := model.Default()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.NewHandler(c, opts))
	t.Cleanup(srv.Close)
	return srv.URL
}

func wantError(t *testing.T, resp *http.Response, body []byte, status int, code, detail string) {
	t.Helper()
	var e api.ErrorBody
	if resp.StatusCode != status || json.Unmarshal(body, &e) != nil || e.Error != code || !strings.Contains(e.Detail, detail) {
		t.Errorf("%d %s; want %d with error %q saying %q", resp.StatusCode, body, status, code, detail)
	}
}

// A gzip body is not decoded, Content-Encoding or not: the answer says what it looks like.
func TestGzipBodyIsNamed(t *testing.T) {
	base := badInputsServer(t, api.Options{})
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(radcom.Read(t, radcom.AttTrain))
	zw.Close()
	for _, encoding := range []string{"", "gzip"} {
		req, _ := http.NewRequest("POST", base+"/v1/classify", bytes.NewReader(gz.Bytes()))
		req.Header.Set("Content-Type", "text/csv")
		if encoding != "" {
			req.Header.Set("Content-Encoding", encoding)
		}
		resp, body := apitest.Send(t, http.DefaultClient, req)
		wantError(t, resp, body, 400, "bad_header", "gzip-compressed")
	}
}

// A body of unknown length whose header line alone crosses the limit is a 413, not a header complaint.
func TestUndeclaredBodyOverTheLimitInTheHeader(t *testing.T) {
	const limit = 64 << 10
	base := badInputsServer(t, api.Options{MaxBody: limit})
	body := io.MultiReader(strings.NewReader("Source_IP,"), strings.NewReader(strings.Repeat("x", 4*limit)))
	req, _ := http.NewRequest("POST", base+"/v1/classify", body) // an io.Reader: sent chunked, no Content-Length
	req.Header.Set("Content-Type", "text/csv")
	resp, b := apitest.Send(t, http.DefaultClient, req)
	wantError(t, resp, b, 413, "body_too_large", "limit")
}

// A CSV sent as something else is refused by its type, before it is read.
func TestCSVWithTheWrongContentType(t *testing.T) {
	base := badInputsServer(t, api.Options{})
	for _, ct := range []string{"application/octet-stream", "text/plain", "multipart/form-data; boundary=x", ""} {
		req, _ := http.NewRequest("POST", base+"/v1/classify", bytes.NewReader(radcom.Read(t, radcom.AttTrain)))
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		resp, b := apitest.Send(t, http.DefaultClient, req)
		wantError(t, resp, b, 415, "unsupported_media_type", "text/csv")
	}
}

// Bad rows come back inline as NDJSON too: one line per input row, the error set exactly on the bad ones.
func TestBadRowsAsNDJSON(t *testing.T) {
	base := badInputsServer(t, api.Options{})
	lines := strings.Split(string(radcom.Read(t, radcom.AttTrain)), "\n")
	lines[2] = strings.Replace(lines[2], ",", ",NaN,", 1)     // row 2: one field too many
	lines[4] = strings.Replace(lines[4], ",tcp,", ",xyz,", 1) // row 4: unknown protocol
	lines[4] = strings.Replace(lines[4], ",udp,", ",xyz,", 1)
	input := strings.Join(lines[:7], "\n") + "\n"
	req, _ := http.NewRequest("POST", base+"/v1/classify", strings.NewReader(input))
	req.Header.Set("Content-Type", "text/csv")
	req.Header.Set("Accept", "application/x-ndjson")
	resp, body := apitest.Send(t, http.DefaultClient, req)
	if resp.StatusCode != 200 {
		t.Fatalf("%d: %s", resp.StatusCode, body)
	}
	want := map[int]string{2: "row 2 (line 3): has 113 fields, the header has 112", 4: `row 4 (line 5), column "Protocol": want tcp or udp, got "xyz"`}
	sc := bufio.NewScanner(bytes.NewReader(body))
	n := 0
	for sc.Scan() {
		n++
		var o classify.NDJSONRow
		if err := json.Unmarshal(sc.Bytes(), &o); err != nil {
			t.Fatal(err)
		}
		msg, bad := want[n]
		switch {
		case o.Row != n:
			t.Errorf("line %d is row %d", n, o.Row)
		case bad && (o.Error == nil || *o.Error != msg || o.App != nil):
			t.Errorf("row %d: error %q, app %v; want %q and no prediction", n, deref(o.Error), o.App, msg)
		case !bad && (o.Error != nil || o.App == nil || o.Attribution == nil):
			t.Errorf("row %d: a good row with error %v", n, o.Error)
		}
	}
	if n != 6 {
		t.Errorf("%d NDJSON lines, want 6", n)
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}
