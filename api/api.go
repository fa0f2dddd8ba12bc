// Package api is the product's HTTP API: one http.Handler that the native server (`ntc serve`) and the edge
// worker (worker/, on workerd) both serve unchanged. It streams a flow CSV through the same pipeline as
// `ntc classify`, so a response is byte-identical to the CLI's output for the same input.
package api

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/flowlens/ntc/classify"
	"github.com/flowlens/ntc/features"
	"github.com/flowlens/ntc/model"
)

// DefaultMaxBody is the largest request body accepted unless Options says otherwise: Cloudflare's request
// size limit on its free and pro plans, so the native server and the edge answer alike.
const DefaultMaxBody = 100 << 20

// Options configure a Handler.
type Options struct {
	MaxBody int64 // bytes; 0 means DefaultMaxBody
	Workers int   // classifying goroutines per request; 0 = GOMAXPROCS
	// Abort, if set, cuts short a response whose status line has gone (a body found over the limit while
	// answering): the client must see the response fail, not a short one that ends cleanly. It reports
	// whether it could; when it could not, or is nil, the handler panics with http.ErrAbortHandler, which
	// net/http turns into a cut connection. The edge sets it: there a panic ends the program, and the
	// runtime's glue then ends the body as if it were whole.
	Abort func(w http.ResponseWriter, err error) bool
	// DrainBody reads a request's body to its end (within the limit, or another limit's worth after it)
	// before answering an error found part way: wrangler's local proxy fails the next request when one is
	// left half read. Natively the server closes such a connection itself, so the answer need not wait.
	DrainBody bool
}

// maxOffset bounds rows_before and first_line, so that row and line numbers cannot overflow.
const maxOffset = 1 << 40

// ErrorBody is the JSON body of every error response.
type ErrorBody struct {
	Error  string `json:"error"`  // a short machine-readable code
	Detail string `json:"detail"` // what went wrong, for a person
}

//go:embed openapi.json
var openAPI []byte

// Handler serves the API.
type Handler struct {
	classifier func() (*model.Classifier, error)
	opts       Options
	mux        *http.ServeMux
}

// NewHandler returns the API over a classifier.
func NewHandler(c *model.Classifier, opts Options) *Handler {
	return NewLazyHandler(func() (*model.Classifier, error) { return c, nil }, opts)
}

// NewLazyHandler returns the API over the classifier load returns, called only by the requests that need it
// (classify and the model card) and on every one of them, so load should remember its result (model.Default
// does). Where each request starts a fresh instance of the program (the edge), /healthz, /openapi.json and
// /docs then answer without loading the models, which is most of such a request's CPU time.
func NewLazyHandler(load func() (*model.Classifier, error), opts Options) *Handler {
	if opts.MaxBody <= 0 {
		opts.MaxBody = DefaultMaxBody
	}
	h := &Handler{classifier: load, opts: opts, mux: http.NewServeMux()}
	h.mux.HandleFunc("/v1/classify", h.classify)
	h.mux.HandleFunc("/v1/model", get(h.modelCard))
	h.mux.HandleFunc("/healthz", get(h.healthz))
	h.mux.HandleFunc("/openapi.json", get(h.openapi))
	h.mux.HandleFunc("/docs", get(h.docs))
	return h
}

// Routes are the paths the Handler answers; the native server sends everything else to the static page.
var Routes = []string{"/v1/", "/healthz", "/openapi.json", "/docs"}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cors(w.Header())
	if r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if _, pattern := h.mux.Handler(r); pattern == "" {
		writeError(w, http.StatusNotFound, "not_found", fmt.Sprintf("no such endpoint: %s (see /docs)", r.URL.Path))
		return
	}
	h.mux.ServeHTTP(w, r)
}

// cors lets any origin's scripts call the API: it holds no cookies or credentials.
func cors(h http.Header) {
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Content-Type, Accept")
	h.Set("Access-Control-Expose-Headers", "X-NTC-Model-App, X-NTC-Model-Att")
	h.Set("Access-Control-Max-Age", "86400")
}

func get(f http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD, OPTIONS")
			writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", r.Method+" is not allowed here; use GET")
			return
		}
		f(w, r)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, detail string) {
	writeJSON(w, status, ErrorBody{Error: code, Detail: detail})
}

func (h *Handler) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (h *Handler) openapi(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openAPI)
}

// ModelCard describes the models behind the API.
type ModelCard struct {
	App           TaskCard `json:"app"`
	Attribution   TaskCard `json:"attribution"`
	FeatureNames  []string `json:"feature_names"`
	OutputColumns []string `json:"output_columns"`
	MaxBodyBytes  int64    `json:"max_body_bytes"`
}

// TaskCard is one task's model.
type TaskCard struct {
	Version  string        `json:"version"`
	Labels   []string      `json:"labels"`
	Trees    int           `json:"trees"`
	Encoding string        `json:"encoding"`
	Metrics  model.Metrics `json:"metrics"`
}

func taskCard(b *model.Bundle) TaskCard {
	return TaskCard{Version: b.Version, Labels: b.Labels, Trees: b.Training.Trees, Encoding: b.Encoding, Metrics: b.Metrics}
}

// Card returns the model card the API serves at /v1/model.
func (h *Handler) Card() (ModelCard, error) {
	c, err := h.classifier()
	if err != nil {
		return ModelCard{}, err
	}
	return ModelCard{App: taskCard(c.App.Bundle), Attribution: taskCard(c.Att.Bundle),
		FeatureNames: features.FeatureNames, OutputColumns: classify.OutputColumns, MaxBodyBytes: h.opts.MaxBody}, nil
}

func (h *Handler) modelCard(w http.ResponseWriter, r *http.Request) {
	card, err := h.Card()
	if err != nil {
		writeModelError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, card)
}

// writeModelError answers a request that needed models which did not load.
func writeModelError(w http.ResponseWriter, err error) {
	writeError(w, http.StatusInternalServerError, "internal", "loading the models: "+err.Error())
}

func (h *Handler) classify(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST, OPTIONS")
		writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", r.Method+" is not allowed here; POST a flow CSV")
		return
	}
	// the header's values joined: the edge's runtime hands a header over split at its commas
	sentType := strings.Join(r.Header.Values("Content-Type"), ", ")
	if mt, _, err := mime.ParseMediaType(sentType); err != nil || (mt != "text/csv" && mt != "application/csv") {
		writeError(w, http.StatusUnsupportedMediaType, "unsupported_media_type",
			fmt.Sprintf("Content-Type %q: send the flow CSV as text/csv", sentType))
		return
	}
	if r.ContentLength > h.opts.MaxBody {
		writeError(w, http.StatusRequestEntityTooLarge, "body_too_large",
			fmt.Sprintf("body is %d bytes; the limit is %d: split the file (ntc classify --remote does)", r.ContentLength, h.opts.MaxBody))
		return
	}
	opts, contentType, code, detail := h.classifyOptions(r)
	if code != "" {
		writeError(w, http.StatusBadRequest, code, detail)
		return
	}
	c, err := h.classifier()
	if err != nil {
		writeModelError(w, err)
		return
	}
	// Stream answers while it still reads: without full duplex, Go's HTTP/1 server closes the request body at
	// the first write. Servers that cannot do it (HTTP/2 already does) return an error we can ignore.
	_ = http.NewResponseController(w).EnableFullDuplex()
	body := http.MaxBytesReader(w, r.Body, h.opts.MaxBody)
	out := &lazyWriter{w: w, contentType: contentType, models: [2]string{c.App.Bundle.Version, c.Att.Bundle.Version}}
	var inHeader []string
	opts.OnHeader = func(h []string, _ string) { inHeader = h }
	st, err := classify.Stream(r.Context(), c, body, out, opts)
	if err == nil {
		if !out.started { // an input with a header and no rows, as NDJSON: nothing to write but a 200
			out.start()
		}
		return
	}
	var tooBig *http.MaxBytesError
	var missing *features.MissingColumnsError
	var header *features.HeaderError
	if out.started {
		// The status line is gone. The answer ends with a row whose error says it stops here, then the
		// response is cut short, so that neither reads as whole: the native server resets the connection,
		// but the edge's runtime ends a failed stream as if it were complete (cloudflare/workerd#6818), and
		// there the row is what tells.
		log.Printf("api: aborting a classify response after output began: %v", err)
		rows := opts.RowsBefore + st.Rows // a chunk's rows are numbered as its file's
		reason := fmt.Errorf("the answer stops here: %v", err)
		if errors.As(err, &tooBig) {
			reason = fmt.Errorf("the request body crossed the limit of %d bytes after row %d, so the answer stops here: split the file (ntc classify --remote does)", h.opts.MaxBody, rows)
		}
		out.Write(classify.AppendRow(nil, opts.Format, inHeader, &classify.Row{Row: rows + 1, Err: reason}))
		if h.opts.DrainBody {
			io.CopyN(io.Discard, r.Body, h.opts.MaxBody)
		}
		if h.opts.Abort == nil || !h.opts.Abort(w, err) {
			panic(http.ErrAbortHandler)
		}
		return
	}
	if h.opts.DrainBody {
		io.Copy(io.Discard, body) // within the limit
	}
	switch {
	case errors.As(err, &tooBig):
		writeError(w, http.StatusRequestEntityTooLarge, "body_too_large", fmt.Sprintf("body exceeds the limit of %d bytes", h.opts.MaxBody))
	case errors.As(err, &missing):
		writeError(w, http.StatusBadRequest, "missing_columns", err.Error())
	case errors.As(err, &header):
		writeError(w, http.StatusBadRequest, "bad_header", err.Error())
	default:
		writeError(w, http.StatusBadRequest, "unreadable_body", err.Error())
	}
}

// classifyOptions reads a classify request's query (parsed once) and Accept header into the pipeline's
// options and the response's content type. A non-empty code is a 400 with that code and detail.
func (h *Handler) classifyOptions(r *http.Request) (opts classify.Options, contentType, code, detail string) {
	q := r.URL.Query()
	opts = classify.Options{Tasks: model.Both, Workers: h.opts.Workers, Format: classify.CSV}
	contentType = "text/csv; charset=utf-8"
	ndjson := accepts(r, "application/x-ndjson")
	if ndjson {
		opts.Format, contentType = classify.NDJSON, "application/x-ndjson"
	}
	if s := strings.Join(slices.DeleteFunc(slices.Clone(q["tasks"]), func(v string) bool { return v == "" }), ","); s != "" { // ?tasks=app&tasks=att as ?tasks=app,att
		var err error
		if opts.Tasks, err = model.ParseTasks(s); err != nil {
			return opts, "", "bad_tasks", err.Error()
		}
	}
	switch q.Get("unknown") {
	case "", "true", "1":
	case "false", "0":
		opts.Tasks.NoUnknown = true
	default:
		return opts, "", "bad_unknown", "unknown must be true or false"
	}
	if v := q.Get("explain"); v != "" && v != "0" {
		if !ndjson {
			return opts, "", "explain_needs_ndjson", "explain adds an object to every row: ask for Accept: application/x-ndjson"
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return opts, "", "bad_explain", "explain must be a count of features (1 means the default 10)"
		}
		if n == 1 {
			n = 10
		}
		opts.Explain = n
	}
	if q.Has("rows_before") || q.Has("first_line") {
		// a chunk of a larger file (ntc classify --remote): number rows and lines as that file's
		var err1, err2 error
		opts.RowsBefore, err1 = strconv.Atoi(q.Get("rows_before"))
		opts.FirstLine, err2 = strconv.Atoi(q.Get("first_line"))
		if err1 != nil || err2 != nil || opts.RowsBefore < 0 || opts.FirstLine < 2 || opts.RowsBefore > maxOffset || opts.FirstLine > maxOffset {
			return opts, "", "bad_offset", fmt.Sprintf("rows_before must be an integer from 0 and first_line an integer from 2, both given, neither over %d", maxOffset)
		}
	}
	return opts, contentType, "", ""
}

// accepts reports whether the request's Accept header names mediaType (not with q=0). Every value of the
// header counts: the edge's runtime hands a header over split at its commas.
func accepts(r *http.Request, mediaType string) bool {
	for _, part := range strings.Split(strings.Join(r.Header.Values("Accept"), ","), ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil || mt != mediaType {
			continue
		}
		if q, err := strconv.ParseFloat(params["q"], 64); err == nil && q == 0 {
			continue // "not this one"
		}
		return true
	}
	return false
}

// lazyWriter sends the 200 status line with the first byte of output, so a request whose header is unusable
// can still be answered with a 400.
type lazyWriter struct {
	w           http.ResponseWriter
	contentType string
	models      [2]string
	started     bool
}

func (l *lazyWriter) start() {
	h := l.w.Header()
	h.Set("Content-Type", l.contentType)
	h.Set("X-NTC-Model-App", l.models[0])
	h.Set("X-NTC-Model-Att", l.models[1])
	l.w.WriteHeader(http.StatusOK)
	l.started = true
}

func (l *lazyWriter) Write(p []byte) (int, error) {
	if !l.started {
		l.start()
	}
	n, err := l.w.Write(p)
	if f, ok := l.w.(http.Flusher); ok && err == nil {
		f.Flush()
	}
	return n, err
}

var _ io.Writer = (*lazyWriter)(nil)
