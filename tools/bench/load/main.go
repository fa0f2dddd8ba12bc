// Command load posts flow CSV bodies to an ntc API (native or edge) and prints throughput and latency, for
// tools/bench/bench.sh. Bodies are att_unlabeled.csv's rows, repeated to the requested size.
//
//	go run ./tools/bench/load -base http://127.0.0.1:8787 -data ../shared/data/radcom -rows 1000 -requests 40 -concurrency 2
//
// It prints one line: rows=… requests=… concurrency=… seconds=… rows_per_s=… p50_ms=… p99_ms=… max_ms=… errors=…
// (requests counts the successful ones, and only they count toward rows/s and latency; failures go to stderr).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

func main() {
	base := flag.String("base", "http://127.0.0.1:8787", "API base URL")
	data := flag.String("data", "../shared/data/radcom", "directory of the competition data")
	rows := flag.Int("rows", 1000, "rows per request body")
	requests := flag.Int("requests", 40, "requests to send (after -warmup)")
	warmup := flag.Int("warmup", 2, "untimed requests first")
	concurrency := flag.Int("concurrency", 2, "requests in flight")
	flag.Parse()

	raw, err := os.ReadFile(filepath.Join(*data, "att_unlabeled.csv"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
	lines := strings.Split(strings.TrimRight(strings.ReplaceAll(string(raw), "\r", ""), "\n"), "\n")
	var b strings.Builder
	b.WriteString(lines[0] + "\n")
	for i := 0; i < *rows; i++ {
		b.WriteString(lines[1+i%(len(lines)-1)] + "\n")
	}
	body := []byte(b.String())
	url := strings.TrimSuffix(*base, "/") + "/v1/classify"
	hc := &http.Client{Timeout: 5 * time.Minute}
	post := func() (time.Duration, error) {
		t0 := time.Now()
		resp, err := hc.Post(url, "text/csv", bytes.NewReader(body))
		if err != nil {
			return 0, err
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			return 0, err
		}
		if resp.StatusCode != 200 || n == 0 {
			return 0, fmt.Errorf("status %d, %d bytes", resp.StatusCode, n)
		}
		return time.Since(t0), nil
	}
	for i := 0; i < *warmup; i++ {
		if _, err := post(); err != nil {
			fmt.Fprintln(os.Stderr, "load: warm-up:", err)
			os.Exit(1)
		}
	}

	lat := make([]time.Duration, 0, *requests)
	var mu sync.Mutex
	errs := 0
	next := make(chan struct{})
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < *concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range next {
				d, err := post()
				mu.Lock()
				if err != nil {
					errs++
					fmt.Fprintln(os.Stderr, "load:", err)
				} else {
					lat = append(lat, d)
				}
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < *requests; i++ {
		next <- struct{}{}
	}
	close(next)
	wg.Wait()
	secs := time.Since(start).Seconds()
	if len(lat) == 0 {
		fmt.Fprintln(os.Stderr, "load: every request failed")
		os.Exit(1)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	pct := func(p int) time.Duration { return lat[(len(lat)*p+99)/100-1] }
	fmt.Printf("rows=%d requests=%d concurrency=%d seconds=%.2f rows_per_s=%.0f p50_ms=%.0f p99_ms=%.0f max_ms=%.0f errors=%d\n",
		*rows, len(lat), *concurrency, secs, float64(len(lat)**rows)/secs, ms(pct(50)), ms(pct(99)), ms(lat[len(lat)-1]), errs)
}
