package classify

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// counter is next for Ordered: 0, 1, …, n-1, then io.EOF (or fail at failAt).
func counter(n, failAt int, failErr error) func() (int, error) {
	i := 0
	return func() (int, error) {
		if i == failAt {
			return 0, failErr
		}
		if i == n {
			return 0, io.EOF
		}
		i++
		return i - 1, nil
	}
}

// Results reach emit in the order the items came, however long each item's work takes.
func TestOrderedKeepsOrder(t *testing.T) {
	var got []int
	err := Ordered(context.Background(), 4, counter(200, -1, nil), func(_ context.Context, v int) (int, error) {
		time.Sleep(time.Duration(rand.IntN(200)) * time.Microsecond)
		return v * v, nil
	}, func(r int) error { got = append(got, r); return nil })
	if err != nil || len(got) != 200 || !slices.IsSorted(got) {
		t.Fatalf("err %v, %d results, sorted: %v", err, len(got), slices.IsSorted(got))
	}
}

// The first error wins and stops the rest at once: work's while an earlier item never comes back, emit's,
// next's; the cancellations it causes are not reported instead; a cancelled ctx is reported as such.
func TestOrderedStops(t *testing.T) {
	broken, stuck := errors.New("broken"), errors.New("stuck")
	blockFirst := func(ctx context.Context, v int) (int, error) {
		switch v {
		case 0:
			<-ctx.Done()
			return 0, ctx.Err()
		case 3:
			return 0, broken
		}
		return v, nil
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		next func() (int, error)
		work func(context.Context, int) (int, error)
		emit func(int) error
		want error
	}{
		{"work fails behind an item that never returns", context.Background(), counter(100, -1, nil), blockFirst, func(int) error { return nil }, broken},
		{"emit fails", context.Background(), counter(100, -1, nil), func(_ context.Context, v int) (int, error) { return v, nil },
			func(r int) error { return map[bool]error{true: stuck}[r == 5] }, stuck},
		{"next fails", context.Background(), counter(100, 7, stuck), func(ctx context.Context, v int) (int, error) { return v, nil }, func(int) error { return nil }, stuck},
		{"ctx cancelled", cancelled, counter(100, -1, nil), func(ctx context.Context, v int) (int, error) { return v, nil }, func(int) error { return nil }, context.Canceled},
	} {
		done := make(chan error)
		go func() { done <- Ordered(tc.ctx, 3, tc.next, tc.work, tc.emit) }()
		select {
		case err := <-done:
			if err != tc.want {
				t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: did not stop", tc.name)
		}
	}
}
