package bench

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/flowlens/ntc/features"
	"github.com/flowlens/ntc/internal/radcom"
	"github.com/flowlens/ntc/model"
)

// stageInput is att_unlabeled.csv's rows, repeated to n rows, with its header (CRs removed).
func stageInput(b *testing.B, n int) []byte {
	lines := strings.Split(strings.TrimRight(strings.ReplaceAll(string(radcom.Read(b, radcom.AttUnlabeled)), "\r", ""), "\n"), "\n")
	var in bytes.Buffer
	in.WriteString(lines[0] + "\n")
	for i := 0; i < n; i++ {
		in.WriteString(lines[1+i%(len(lines)-1)] + "\n")
	}
	return in.Bytes()
}

// readAll reads every record of in.
func readAll(b *testing.B, in []byte) []*features.FlowRecord {
	rd, err := features.NewReader(bytes.NewReader(in))
	if err != nil {
		b.Fatal(err)
	}
	var recs []*features.FlowRecord
	for {
		rec, err := rd.Read()
		if errors.Is(err, io.EOF) {
			return recs
		}
		if err != nil {
			b.Fatal(err)
		}
		recs = append(recs, rec)
	}
}

// BenchmarkStages times each stage of classify.Stream on its own, one core, per row: parsing (the reader),
// feature extraction, each model's prediction (with calibration and ranking), (the output encoding is
// classify's BenchmarkEncode). The shares say where an optimisation pays; BenchmarkClassify times them together.
func BenchmarkStages(b *testing.B) {
	const rows = 4096
	in := stageInput(b, rows)
	c, err := model.Default()
	if err != nil {
		b.Fatal(err)
	}
	recs := readAll(b, in)
	vecs := make([]features.FeatureVector, len(recs))
	for i, rec := range recs {
		vecs[i] = features.Extract(rec, nil)
	}
	perRow := func(b *testing.B) {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows), "ns/row")
	}
	b.Run("parse", func(b *testing.B) {
		var rec features.FlowRecord
		for b.Loop() {
			rd, err := features.NewReader(bytes.NewReader(in))
			if err != nil {
				b.Fatal(err)
			}
			for n := 0; ; n++ {
				if err := rd.ReadInto(&rec); errors.Is(err, io.EOF) {
					if n != rows {
						b.Fatalf("%d rows", n)
					}
					break
				} else if err != nil {
					b.Fatal(err)
				}
			}
		}
		perRow(b)
	})
	b.Run("features", func(b *testing.B) {
		var v features.FeatureVector
		for b.Loop() {
			for _, rec := range recs {
				v = features.Extract(rec, v)
			}
		}
		perRow(b)
	})
	for _, task := range []struct {
		name string
		p    *model.Predictor
	}{{"predict-app", c.App}, {"predict-att", c.Att}} {
		b.Run(task.name, func(b *testing.B) {
			var s model.Scratch
			for b.Loop() {
				for _, v := range vecs {
					if _, err := task.p.Predict(v, true, &s); err != nil {
						b.Fatal(err)
					}
				}
			}
			perRow(b)
		})
	}
}
