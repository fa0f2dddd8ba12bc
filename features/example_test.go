package features

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// ExampleCSV's rows read without a single error, and the same n gives the same bytes.
func TestExampleCSVReads(t *testing.T) {
	in := ExampleCSV(300)
	if !bytes.Equal(in, ExampleCSV(300)) {
		t.Fatal("ExampleCSV is not deterministic")
	}
	r, err := NewReader(bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	rows, udp := 0, 0
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("row %d: %v", rows+1, err)
		}
		rows++
		if rec.Protocol == UDP {
			udp++
		}
		if v := Extract(rec, nil); len(v) != len(FeatureNames) {
			t.Fatalf("row %d: %d features", rows, len(v))
		}
	}
	if rows != 300 || udp != 100 {
		t.Fatalf("%d rows, %d udp", rows, udp)
	}
}
