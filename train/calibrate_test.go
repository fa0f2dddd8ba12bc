package train

import (
	"testing"

	"github.com/flowlens/ntc/internal/radcom"
	"github.com/flowlens/ntc/model"
)

// TestCalibrationAndOpenSet recomputes the model card's calibration and open-set figures with a smaller
// forest and one repeat; the floors sit under what the shipped recipe measures (README).
func TestCalibrationAndOpenSet(t *testing.T) {
	for _, tc := range []struct {
		task, file       string
		repeats          int
		maxECE           float64
		minUnseenUnknown float64
	}{
		{model.TaskApp, radcom.AppTrain, 1, 0.08, 0.40},
		{model.TaskAtt, radcom.AttTrain, 10, 0.20, 0.15},
	} {
		t.Run(tc.task, func(t *testing.T) {
			ds := load(t, tc.file)
			r := DefaultRecipe(tc.task, 1)
			r.Forest.Trees = 100
			cv := CrossValidate(ds, Stratified, 5, tc.repeats, 1, r.FitFunc(len(ds.Labels)))
			c := FitCalibration(cv, ds.Y)
			t.Logf("power %.2f smoothing %g: ECE %.4f -> %.4f, unknown under %.4f catches %.2f of errors",
				c.Power, c.Smoothing, c.ECEBefore, c.ECEAfter, c.UnknownThreshold, c.UnknownCatchesWrong)
			if c.ECEAfter > tc.maxECE || c.ECEAfter >= c.ECEBefore {
				t.Errorf("ECE %.4f -> %.4f: calibration should help and stay under %.2f", c.ECEBefore, c.ECEAfter, tc.maxECE)
			}
			n := 0
			for _, b := range c.Reliability {
				n += b.N
			}
			if n != len(ds.Y)*tc.repeats {
				t.Errorf("reliability table covers %d predictions", n)
			}
			os := OpenSetCheck(ds, r, c, 5, 1)
			t.Logf("open set: %.2f of unseen rows called unknown; known accuracy %.4f -> %.4f with unknown",
				os.UnseenCalledUnknown, os.KnownAccuracy, os.KnownAccuracyWithUnknown)
			if os.UnseenCalledUnknown < tc.minUnseenUnknown {
				t.Errorf("only %.2f of held-out classes' rows were called unknown (floor %.2f)", os.UnseenCalledUnknown, tc.minUnseenUnknown)
			}
			if os.KnownAccuracyWithUnknown > os.KnownAccuracy {
				t.Error("unknown cannot make known rows more accurate")
			}
		})
	}
}
