package api_test

import (
	"net/http/httptest"
	"testing"

	"github.com/flowlens/ntc/api"
	"github.com/flowlens/ntc/api/apitest"
	"github.com/flowlens/ntc/model"
)

// testMaxBody is small so the 413 case needs no 100 MB upload; the edge test sets the same limit.
const testMaxBody = 8 << 20

func TestNativeServer(t *testing.T) {
	c, err := model.Default()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.NewHandler(c, api.Options{MaxBody: testMaxBody}))
	defer srv.Close()
	apitest.Run(t, srv.URL, testMaxBody)
	t.Run("bounded load, 1k-row bodies", func(t *testing.T) {
		r := apitest.Load(t, srv.URL, 100, 4, 1000)
		t.Logf("%d requests of %d rows: %.1f req/s, p50 %v, p99 %v, %d 5xx", r.Requests, r.RowsPerBody, r.PerSecond, r.P50, r.P99, r.Status5xx)
		if r.Status5xx != 0 {
			t.Errorf("%d responses were 5xx", r.Status5xx)
		}
	})
}
