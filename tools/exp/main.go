package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/flowlens/ntc/model/forest"
	"github.com/flowlens/ntc/train"
)

func main() {
	data := flag.String("data", "../shared/data/radcom/app_train.csv", "")
	trees := flag.Int("trees", 300, "")
	extra := flag.Bool("extra", false, "")
	boot := flag.Bool("boot", false, "")
	gini := flag.Bool("gini", false, "")
	mtry := flag.Int("mtry", 0, "")
	sel := flag.Int("select", 0, "")
	reps := flag.Int("repeats", 3, "")
	grouped := flag.Bool("grouped", false, "")
	soft := flag.Bool("soft", false, "")
	flag.Parse()
	ds, err := train.LoadDataset(*data)
	if err != nil {
		panic(err)
	}
	p := forest.DefaultParams()
	p.Trees, p.ExtraTrees, p.Bootstrap, p.MaxFeatures = *trees, *extra, *boot, *mtry
	if *gini {
		p.Criterion = forest.Gini
	}
	if *soft {
		p.Vote = forest.SoftVote
	}
	r := train.Recipe{Forest: p, SelectTop: *sel}
	scheme := train.Stratified
	if *grouped {
		scheme = train.Grouped
	}
	t0 := time.Now()
	res := train.CrossValidate(ds, scheme, 5, *reps, 1, func(x [][]float64, y []int) func([]float64) []float64 {
		f := r.Fit(x, y, len(ds.Labels))
		return func(v []float64) []float64 { return f.PredictProba(v, nil) }
	})
	fmt.Printf("acc=%.4f±%.4f f1=%.4f top3=%.4f (%s)\n", res.Accuracy, res.AccuracyStd, res.MacroF1, res.Top3, time.Since(t0))
}
