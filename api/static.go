package api

import (
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

func init() {
	// Not every system's mime table knows wasm, and browsers refuse to stream-compile it under another type.
	mime.AddExtensionType(".wasm", "application/wasm")
	mime.AddExtensionType(".mjs", "text/javascript")
}

// Static serves a built site from dir, answering with a precompressed .br or .gz copy when the client accepts
// it and one exists beside the file. Headers listed for "/*" in dir/_headers (the format static hosts such as
// Cloudflare Pages read) go on every response: that is how the page's Content-Security-Policy also covers its
// Web Worker, whose policy comes from the worker script's own response.
func Static(dir string) http.Handler {
	files := http.FileServer(http.Dir(dir))
	extra := readHeadersFile(filepath.Join(dir, "_headers"))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range extra {
			w.Header()[k] = v
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", r.Method+" is not allowed on static files")
			return
		}
		name := path.Clean("/" + r.URL.Path)
		if strings.HasSuffix(name, "/") || name == "/" {
			name = path.Join(name, "index.html")
		}
		w.Header().Add("Vary", "Accept-Encoding")
		for _, enc := range []struct{ token, ext string }{{"br", ".br"}, {"gzip", ".gz"}} {
			if !acceptsEncoding(r, enc.token) {
				continue
			}
			full := filepath.Join(dir, filepath.FromSlash(name)+enc.ext)
			if _, err := os.Stat(full); err != nil {
				continue
			}
			if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
				w.Header().Set("Content-Type", ct)
			}
			w.Header().Set("Content-Encoding", enc.token)
			http.ServeFile(w, r, full)
			return
		}
		files.ServeHTTP(w, r)
	})
}

func acceptsEncoding(r *http.Request, token string) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(name) != token {
			continue
		}
		q, found := strings.CutPrefix(strings.TrimSpace(params), "q=")
		if v, err := strconv.ParseFloat(q, 64); found && err == nil && v == 0 {
			return false
		}
		return true
	}
	return false
}

// readHeadersFile reads the "/*" block of a _headers file: indented "Name: value" lines after a "/*" line.
// A missing or unreadable file gives no headers.
func readHeadersFile(path string) http.Header {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	h := http.Header{}
	inAll := false
	for _, line := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "" || strings.HasPrefix(trimmed, "#"):
		case line[0] != ' ' && line[0] != '\t':
			inAll = trimmed == "/*"
		case inAll:
			if name, value, ok := strings.Cut(trimmed, ":"); ok {
				h.Add(strings.TrimSpace(name), strings.TrimSpace(value))
			}
		}
	}
	return h
}
