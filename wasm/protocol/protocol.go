// Package protocol is what the classifier's Web Worker (wasm/worker) tells the page (web/page): the model card,
// progress with a running summary, a sample of classified rows for the table, error rows, and the end of a run.
// Messages travel as JSON strings; the classified CSV itself travels beside them as binary chunks the page never
// parses. The package has no dependencies so the page's wasm does not pull in the models.
package protocol

// Kinds of worker → page messages.
const (
	KindReady     = "ready"     // Ready: the models are loaded
	KindProgress  = "progress"  // Progress: a run is under way
	KindDone      = "done"      // Progress (final): the run finished; every output chunk has been posted
	KindFailed    = "failed"    // Failure: the run (or loading the models) stopped with an error
	KindCancelled = "cancelled" // Progress (final): the run stopped because the page asked
)

// Envelope is every JSON message: Kind says which of the other fields is set.
type Envelope struct {
	Kind     string    `json:"kind"`
	Ready    *Ready    `json:"ready,omitempty"`
	Progress *Progress `json:"progress,omitempty"`
	Failure  *Failure  `json:"failure,omitempty"`
}

// Ready carries the model card.
type Ready struct {
	Tasks []TaskCard `json:"tasks"`
}

// TaskCard is one bundle's model card.
type TaskCard struct {
	Task       string   `json:"task"` // "app" or "att"
	Title      string   `json:"title"`
	Version    string   `json:"version"`
	Labels     []string `json:"labels"`
	Trees      int      `json:"trees"`
	TrainRows  int      `json:"train_rows"`
	TrainData  string   `json:"train_data"`
	Stratified CV       `json:"stratified"`
	Grouped    CV       `json:"grouped"`
}

// CV is one cross-validation summary.
type CV struct {
	Folds       int     `json:"folds"`
	Repeats     int     `json:"repeats"`
	Accuracy    float64 `json:"accuracy"`
	AccuracyStd float64 `json:"accuracy_std"`
	MacroF1     float64 `json:"macro_f1"`
}

// Progress is a run's state; NewRows and NewErrors hold only what was gathered since the previous message.
type Progress struct {
	Bytes      int64      `json:"bytes"`
	Total      int64      `json:"total"`
	Rows       int        `json:"rows"`
	Bad        int        `json:"bad"`
	ElapsedMs  float64    `json:"elapsed_ms"`
	RowsPerSec float64    `json:"rows_per_sec"`
	Summary    Summary    `json:"summary"`
	NewRows    []RowView  `json:"new_rows,omitempty"`
	NewErrors  []RowError `json:"new_errors,omitempty"`
	// Kept says how many rows the worker sends for the table at most; the download always has them all.
	Kept int `json:"kept"`
}

// HistBins is the number of confidence histogram bins over [0, 1].
const HistBins = 20

// Summary is the running class mix and confidence histogram of each task asked for.
type Summary struct {
	App *TaskSummary `json:"app,omitempty"`
	Att *TaskSummary `json:"att,omitempty"`
	// LabelColumn is the file's own label column ("label" or "attribution"), if it has one.
	LabelColumn string `json:"label_column,omitempty"`
}

// TaskSummary counts one task's predictions over the good rows.
type TaskSummary struct {
	Counts map[string]int `json:"counts"`
	Hist   [HistBins]int  `json:"hist"`
	// Labelled and Agree count rows whose file label could be compared with the prediction.
	Labelled int `json:"labelled"`
	Agree    int `json:"agree"`
}

// RowView is one classified row as the table shows it. Confidences are 0 for a task not asked for.
type RowView struct {
	Row     int     `json:"r"`
	Src     string  `json:"s,omitempty"`
	Dst     string  `json:"d,omitempty"`
	Proto   string  `json:"p,omitempty"`
	Label   string  `json:"l,omitempty"` // the file's own label, if it has a label column
	App     string  `json:"a,omitempty"`
	AppConf float64 `json:"ac,omitempty"`
	AppTop  string  `json:"at,omitempty"` // "label:0.8200|label:0.1000|…" exactly as the CSV's app_top3
	Att     string  `json:"t,omitempty"`
	AttConf float64 `json:"tc,omitempty"`
	Err     string  `json:"e,omitempty"`
}

// RowError is a row the classifier could not read, as the error list shows it.
type RowError struct {
	Row    int    `json:"row"`
	Line   int    `json:"line"`
	Column string `json:"column,omitempty"` // empty when the row as a whole is malformed
	Reason string `json:"reason"`
}

// Failure is a run that stopped: a header that cannot be used, or an I/O problem.
type Failure struct {
	Error string `json:"error"`
	// Missing lists required columns the header lacks, when that is the problem.
	Missing []string `json:"missing,omitempty"`
	// Partial is the state reached before the failure, if the run had started.
	Partial *Progress `json:"partial,omitempty"`
}
