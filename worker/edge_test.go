//go:build !js

package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flowlens/ntc/api/apitest"
)

// edgeFreePlanBytes is the largest worker Cloudflare's free plan takes, compressed: the worker's size budget.
const edgeFreePlanBytes = 3_000_000

// edgeMaxBody matches the native test's limit, so the 413 case needs no 100 MB upload.
const edgeMaxBody = 8 << 20

// TestEdgeAPI runs the API conformance suite against the worker on local workerd (wrangler dev, offline),
// exactly as it runs against the native server in package api.
func TestEdgeAPI(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	wrangler := filepath.Join(root, "node_modules", ".bin", "wrangler")
	if _, err := os.Stat(wrangler); err != nil {
		t.Fatalf("wrangler is not installed (run `npm ci` at the repository root): %v", err)
	}
	port, inspector := freePort(t), freePort(t)
	logFile, err := os.Create(filepath.Join(t.TempDir(), "wrangler.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(wrangler, "dev", "--ip", "127.0.0.1", "--port", port, "--inspector-port", inspector,
		"--var", fmt.Sprintf("NTC_MAX_BODY:%d", edgeMaxBody))
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CI=true", "WRANGLER_SEND_METRICS=false", "NO_COLOR=1")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // wrangler starts workerd: stop the whole group
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		}
		if t.Failed() {
			b, _ := os.ReadFile(logFile.Name())
			t.Logf("wrangler output:\n%s", tailString(string(b), 4000))
		}
	})
	base := "http://127.0.0.1:" + port
	waitHealthy(t, base, 4*time.Minute) // the first start builds the worker's wasm

	t.Run("size", func(t *testing.T) {
		// Cloudflare takes a worker of up to 3 MB gzip-compressed on its free plan (10 MB paid), and every
		// cold start compiles it. html/template alone, through the reflection it needs, once took it to 3.6 MB.
		b, err := os.ReadFile(filepath.Join(root, "build", "worker", "app.wasm"))
		if err != nil {
			t.Fatal(err)
		}
		var gz bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
		zw.Write(b)
		zw.Close()
		t.Logf("worker wasm: %d bytes, %d gzip-compressed", len(b), gz.Len())
		if gz.Len() > edgeFreePlanBytes {
			t.Errorf("the worker's wasm is %d bytes gzip-compressed, over the free plan's %d", gz.Len(), edgeFreePlanBytes)
		}
	})
	apitest.Run(t, base, edgeMaxBody)
	t.Run("bounded load, 1k-row bodies", func(t *testing.T) {
		r := apitest.Load(t, base, 40, 2, 1000)
		t.Logf("edge: %d requests of %d rows: %.1f req/s, p50 %v, p99 %v, %d 5xx", r.Requests, r.RowsPerBody, r.PerSecond, r.P50, r.P99, r.Status5xx)
		if r.Status5xx != 0 {
			t.Errorf("%d responses were 5xx", r.Status5xx)
		}
	})
}

func waitHealthy(t *testing.T, base string, limit time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	for ctx.Err() == nil {
		req, _ := http.NewRequestWithContext(ctx, "GET", base+"/healthz", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatalf("wrangler dev did not answer /healthz within %v", limit)
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strings.TrimPrefix(ln.Addr().String(), "127.0.0.1:")
}

func tailString(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
