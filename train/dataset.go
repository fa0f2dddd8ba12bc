// Package train turns labelled flow files into model bundles: it loads a dataset, grows forests, measures them
// with repeated stratified and grouped cross-validation, and packs the winner into a bundle.
package train

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/flowlens/ntc/features"
)

// Dataset is a labelled flow file turned into feature vectors.
type Dataset struct {
	X      [][]float64 // one feature vector per row
	Y      []int       // class id per row, an index into Labels
	Labels []string    // class names, sorted
	Groups []string    // the row's (Source_IP, Destination_IP) pair, for grouped cross-validation
}

// LoadDataset reads a labelled flow CSV. Training data must be clean: the first bad row is an error.
func LoadDataset(path string) (*Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening dataset: %w", err)
	}
	defer f.Close()
	ds, err := ReadDataset(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ds, nil
}

// ReadDataset reads a labelled flow CSV from r.
func ReadDataset(r io.Reader) (*Dataset, error) {
	rd, err := features.NewReader(r)
	if err != nil {
		return nil, err
	}
	if rd.LabelColumn() == "" {
		return nil, fmt.Errorf("no label column (want one of %v)", features.LabelColumns)
	}
	var labels []string
	ds := &Dataset{}
	for {
		rec, err := rd.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if rec.Label == "" {
			return nil, &features.RowError{Row: rec.Row, Line: rec.Line, Column: rd.LabelColumn(), Reason: "empty label"}
		}
		ds.X = append(ds.X, features.Extract(rec, nil))
		labels = append(labels, rec.Label)
		ds.Groups = append(ds.Groups, rec.SourceIP+" > "+rec.DestinationIP)
	}
	if len(labels) == 0 {
		return nil, errors.New("no rows")
	}
	ds.Labels = slices.Compact(slices.Sorted(slices.Values(labels)))
	ds.Y = make([]int, len(labels))
	for i, l := range labels {
		ds.Y[i], _ = slices.BinarySearch(ds.Labels, l)
	}
	return ds, nil
}

// Subset returns the rows at idx, sharing vectors with d.
func (d *Dataset) Subset(idx []int) *Dataset {
	s := &Dataset{Labels: d.Labels}
	for _, i := range idx {
		s.X = append(s.X, d.X[i])
		s.Y = append(s.Y, d.Y[i])
		s.Groups = append(s.Groups, d.Groups[i])
	}
	return s
}
