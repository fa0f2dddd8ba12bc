package classify

import (
	"context"
	"errors"
	"io"
	"sync"
)

// InOrder hands on results that finish out of order in the order they were issued: Add a result with its
// sequence number (0, 1, 2, …) and emit sees it as soon as every earlier one has been seen.
type InOrder[T any] struct {
	pending map[int]T
	next    int
}

// Add records result seq and emits every result that is now due, in order.
func (o *InOrder[T]) Add(seq int, v T, emit func(T)) {
	if o.pending == nil {
		o.pending = map[int]T{}
	}
	o.pending[seq] = v
	for {
		due, ok := o.pending[o.next]
		if !ok {
			return
		}
		delete(o.pending, o.next)
		o.next++
		emit(due)
	}
}

// Ordered runs work on n goroutines over the items next produces and hands each result to emit, on the
// calling goroutine, in the order next produced the items; at most 2n items are read and not yet emitted,
// so memory stays flat whatever the input. next ends the items with io.EOF.
//
// The first error stops everything and is returned: one of next's, one of work's (at once, even while an
// earlier item is still out, which may never come back), or one of emit's; the errors work returns because
// of that stop say nothing more and are dropped. Without an error it returns ctx's. It returns only once
// next is no longer running, so whatever next keeps can be read afterwards; next must give up once ctx is
// done if it can block.
func Ordered[T, R any](ctx context.Context, n int, next func() (T, error), work func(context.Context, T) (R, error), emit func(R) error) error {
	n = max(n, 1)
	inner, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu     sync.Mutex
		failed error
	)
	fail := func(err error) {
		mu.Lock()
		if failed == nil {
			failed = err
		}
		mu.Unlock()
		cancel()
	}
	stopped := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return failed != nil
	}
	type item struct {
		seq int
		v   T
	}
	type result struct {
		seq int
		r   R
		err error
	}
	items := make(chan item)
	results := make(chan result, n)
	ahead := make(chan struct{}, 2*n) // a token per item read and not yet emitted
	nextDone := make(chan struct{})
	go func() {
		defer close(nextDone)
		defer close(items)
		for seq := 0; ; seq++ {
			select {
			case ahead <- struct{}{}:
			case <-inner.Done():
				return
			}
			v, err := next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				fail(err)
				return
			}
			select {
			case items <- item{seq, v}:
			case <-inner.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range items {
				r, err := work(inner, it.v)
				if err != nil && inner.Err() == nil {
					fail(err)
				}
				select {
				case results <- result{it.seq, r, err}:
				case <-inner.Done():
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(results) }()

	var order InOrder[result]
	for res := range results {
		order.Add(res.seq, res, func(res result) {
			<-ahead
			if res.err != nil || stopped() {
				return
			}
			if err := emit(res.r); err != nil {
				fail(err)
			}
		})
	}
	cancel()
	<-nextDone
	if failed != nil {
		return failed
	}
	return ctx.Err()
}
