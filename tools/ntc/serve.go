package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/flowlens/ntc/api"
	"github.com/flowlens/ntc/model"
)

func runServe(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	static := fs.String("static", "dist/web", "built page to serve at / (empty: the API only)")
	maxBody := fs.Int64("max-body", api.DefaultMaxBody, "largest request body in bytes")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	c, err := model.Default()
	if err != nil {
		return fmt.Errorf("loading the embedded models: %w", err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: newServeMux(c, *static, *maxBody), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "serving on http://%s/ (API: /docs)\n", ln.Addr())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// newServeMux routes the API's paths to the API handler and everything else to the static page.
func newServeMux(c *model.Classifier, static string, maxBody int64) http.Handler {
	h := api.NewHandler(c, api.Options{MaxBody: maxBody})
	mux := http.NewServeMux()
	for _, route := range api.Routes {
		mux.Handle(route, h)
	}
	if static != "" {
		mux.Handle("/", api.Static(static))
	} else {
		mux.Handle("/", h)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v1") && !strings.HasPrefix(r.URL.Path, "/v1/") {
			h.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}
