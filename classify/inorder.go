package classify

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
