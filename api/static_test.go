package api

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

func TestStaticServesPrecompressedWithSiteHeaders(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "index.html"), []byte("<p>hi</p>"), 0o644)
	os.WriteFile(filepath.Join(dir, "a.wasm"), []byte("plain"), 0o644)
	os.WriteFile(filepath.Join(dir, "a.wasm.br"), []byte("brotli"), 0o644)
	os.WriteFile(filepath.Join(dir, "_headers"), []byte("# site\n/*\n  Content-Security-Policy: default-src 'none'\n  X-Content-Type-Options: nosniff\n/other\n  X-Other: no\n"), 0o644)
	h := Static(dir)
	for _, tc := range []struct {
		path, accept, body, ctype, encoding string
	}{
		{"/a.wasm", "gzip, br", "brotli", "application/wasm", "br"},
		{"/a.wasm", "gzip", "plain", "application/wasm", ""},
		{"/a.wasm", "br;q=0", "plain", "application/wasm", ""},
		{"/", "", "<p>hi</p>", "text/html; charset=utf-8", ""},
	} {
		req := httptest.NewRequest("GET", tc.path, nil)
		req.Header.Set("Accept-Encoding", tc.accept)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		res := rec.Result()
		if rec.Body.String() != tc.body || res.Header.Get("Content-Type") != tc.ctype || res.Header.Get("Content-Encoding") != tc.encoding {
			t.Errorf("%s (%s): %q %q %q", tc.path, tc.accept, rec.Body.String(), res.Header.Get("Content-Type"), res.Header.Get("Content-Encoding"))
		}
		if res.Header.Get("Content-Security-Policy") != "default-src 'none'" || res.Header.Get("X-Other") != "" {
			t.Errorf("%s: site headers %v", tc.path, res.Header)
		}
	}
	req := httptest.NewRequest("POST", "/", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", rec.Code)
	}
}
