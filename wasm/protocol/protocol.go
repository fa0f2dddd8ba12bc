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
	KindExplained = "explained" // Explained: the answer to an explain request
	KindHelpers   = "helpers"   // Helpers: helper workers are up; a big file is split among them

	// Sent by the page's glue (web/static/app.js), not the worker, while a file goes to the server's API.
	KindRemote     = "remote"      // Remote: the upload and the answer so far
	KindRemoteDone = "remote-done" // Remote (final): the server's answer is the download
	KindAPI        = "api"         // API: whether the page's origin serves the HTTP API (GET /healthz)
)

// Envelope is every JSON message: Kind says which of the other fields is set.
type Envelope struct {
	Kind     string    `json:"kind"`
	Ready    *Ready    `json:"ready,omitempty"`
	Progress *Progress `json:"progress,omitempty"`
	Failure  *Failure  `json:"failure,omitempty"`

	Explained *Explained `json:"explained,omitempty"`
	Remote    *Remote    `json:"remote,omitempty"`
	API       *API       `json:"api,omitempty"`
	Helpers   int        `json:"helpers,omitempty"` // KindHelpers: how many
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
	Bytes      int64     `json:"bytes"`
	Total      int64     `json:"total"`
	Rows       int       `json:"rows"`
	Bad        int       `json:"bad"`
	ElapsedMs  float64   `json:"elapsed_ms"`
	RowsPerSec float64   `json:"rows_per_sec"`
	Summary    Summary   `json:"summary"`
	NewRows    []RowView `json:"new_rows,omitempty"`
	// EncodedRows, when set in place of NewRows, holds the rows already written as JSON (the elements of the
	// new_rows array, comma-separated): the worker writes each row so as it gathers it (wasm/job), and its
	// Encode sends these bytes as new_rows. The page decodes them into NewRows.
	EncodedRows []byte     `json:"-"`
	NewErrors   []RowError `json:"new_errors,omitempty"`
	// Kept says how many rows the worker sends for the table at most; the download always has them all.
	Kept int `json:"kept"`
	// HeaderBytes is the length of the output's header line: bytes [0, HeaderBytes) of the download.
	HeaderBytes int64 `json:"header_bytes,omitempty"`
	// Workers is how many workers classify the file: 1, or the helpers a big file is split among.
	Workers int `json:"workers,omitempty"`
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
	// Labelled and Agree count rows whose file label could be compared with the prediction; LabelledUnknown
	// those of them predicted "unknown" (an answer withheld, not a wrong label).
	Labelled        int `json:"labelled"`
	Agree           int `json:"agree"`
	LabelledUnknown int `json:"labelled_unknown,omitempty"`
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
	// Off and Len locate the row's line in the output (the download): what an explain request carries.
	Off int64 `json:"o,omitempty"`
	Len int   `json:"n,omitempty"`
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

// Explained answers an explain request: for each task of the run, the row's prediction and the features that
// pushed the model's most probable class most (classify.Explain, Saabas contributions).
type Explained struct {
	ID    int               `json:"id"`  // the request's
	Row   int               `json:"row"` // the table's row number, as the request gave it
	Tasks []TaskExplanation `json:"tasks,omitempty"`
	Error string            `json:"error,omitempty"` // the row could not be explained (a bad row)
}

// TaskExplanation is one task's prediction for a row and why. Base + the sum of every contribution = Score;
// Contributions are the largest Shown of them, Rest the sum of the others.
type TaskExplanation struct {
	Task       string   `json:"task"` // "app" or "att"
	Title      string   `json:"title"`
	Label      string   `json:"label"` // the prediction, "unknown" under the model's threshold
	Confidence float64  `json:"confidence"`
	Top        []Ranked `json:"top"`
	// Class is the class explained: the most probable one (Label, unless Label is unknown).
	Class string  `json:"class"`
	Score float64 `json:"score"` // Class's raw score: its share of the trees' votes, or for a boosted model its summed leaf values (before softmax and calibration)
	Base  float64 `json:"base"`  // the score before any split: Class's share of the training rows, or the boosted trees' root values
	// Boosted is true when the model is gradient-boosted: Score is then a raw score, not a vote share.
	Boosted       bool           `json:"boosted,omitempty"`
	Contributions []Contribution `json:"contributions"`
	Rest          float64        `json:"rest"`   // the sum of the contributions not listed
	RestN         int            `json:"rest_n"` // how many features that is
	Threshold     float64        `json:"threshold,omitempty"`
	// Tokens are the flow's exact sizes the application model's token table holds for Class, largest first.
	Tokens []TokenMatch `json:"tokens,omitempty"`
	// Forest, for a boosted model averaged with a forest (the attribution model), is the forest's part.
	Forest *ForestPart `json:"forest,omitempty"`
}

// ForestPart is the forest a boosted model is averaged with, explained for Class: its vote share (Score) is
// Base + the sum of every contribution, Contributions the largest Shown of them and Rest the others'; it
// carries Weight of the probability before calibration.
type ForestPart struct {
	Weight        float64        `json:"weight"`
	Score         float64        `json:"score"`
	Base          float64        `json:"base"`
	Contributions []Contribution `json:"contributions"`
	Rest          float64        `json:"rest"`
	RestN         int            `json:"rest_n"`
}

// TokenMatch is one exact size matched for the explained class and what it adds to its log-probability.
type TokenMatch struct {
	Token        string  `json:"token"`
	Contribution float64 `json:"contribution"`
}

// Ranked is one of the most probable labels.
type Ranked struct {
	Label string  `json:"label"`
	P     float64 `json:"p"`
}

// Contribution is how much one feature moved the explained class's score.
type Contribution struct {
	Feature      string  `json:"feature"`
	Value        float64 `json:"value"`
	Contribution float64 `json:"contribution"`
}

// Remote is a file sent to the server's API (POST /v1/classify): bytes sent, bytes of answer received.
type Remote struct {
	Sent     int64  `json:"sent"`
	Total    int64  `json:"total"`
	Received int64  `json:"received"`
	Status   int    `json:"status,omitempty"`
	Origin   string `json:"origin,omitempty"`
}

// API says whether the page's own origin answers GET /healthz, i.e. it is `ntc serve` with the HTTP API.
type API struct {
	Available bool   `json:"available"`
	Origin    string `json:"origin"`
}
