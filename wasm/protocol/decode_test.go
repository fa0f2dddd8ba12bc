package protocol

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// encodeLikeTheWorker writes a progress message in wasm/job.Encode's layout (rows last), with encoding/json.
func encodeLikeTheWorker(t *testing.T, p Progress) string {
	t.Helper()
	rows := p.NewRows
	p.NewRows = nil
	body, err := json.Marshal(&p)
	if err != nil {
		t.Fatal(err)
	}
	r, err := json.Marshal(rows)
	if err != nil {
		t.Fatal(err)
	}
	return `{"kind":"progress","progress":` + string(body[:len(body)-1]) + `,"new_rows":` + string(r) + `}}`
}

// TestDecodeMatchesEncodingJSON checks the hand-written row parser against encoding/json on rows with every
// field, escapes, non-ASCII text and numbers of every kind, and on messages that must take the slow path.
func TestDecodeMatchesEncodingJSON(t *testing.T) {
	rows := []RowView{
		{Row: 1, Src: "10.0.0.1:443", Dst: "[fe80::1]:53", Proto: "udp", Label: "VOD", App: "google", AppConf: 0.8667,
			AppTop: "google:0.8667|jpost:0.0233|x:0.0200", Att: "real_time_video", AttConf: 0.91, Off: 2345, Len: 1401},
		{Row: 2, Err: "row 2 (line 3), column \"Protocol\": want tcp or udp, got \"ïcmp<>&\\\t\""},
		{Row: 3},
		{Row: 4, App: "unknown", AppConf: 1, Att: "file download", AttConf: 1e-7, Label: "é 日本 \u2028"},
		{Row: 1 << 40, Off: 1 << 50, Len: 7},
	}
	msgs := []string{
		encodeLikeTheWorker(t, Progress{Rows: 5, Bad: 1, NewRows: rows, NewErrors: []RowError{{Row: 2, Line: 3, Column: "Protocol", Reason: "x"}},
			Summary: Summary{App: &TaskSummary{Counts: map[string]int{"google": 1}}}}),
		encodeLikeTheWorker(t, Progress{Rows: 1, NewRows: rows[:1]}),
		`{"kind":"progress","progress":{"rows":1,"new_rows":[{"r":1,"x":2}]}}`,           // an unknown key
		`{"kind":"progress","progress":{"rows":1,"new_rows":[{"r":1.5}]}}`,               // not an integer
		`{"kind":"progress","progress":{"rows":1,"new_rows":[{"r":1,"a":"\xff"}]}}`,      // invalid UTF-8
		`{"kind":"progress","progress":{"rows":1,"new_rows":[{"r":1,"a":"x"},]}}`,        // not JSON
		`{"kind":"progress","progress":{"rows":1,"new_rows":[{"r":1}],"new_rows":[{}]}}`, // not the encoder's layout
		`{"kind":"done","progress":{"rows":3}}`,
	}
	for _, msg := range msgs {
		var want Envelope
		wantErr := json.Unmarshal([]byte(msg), &want)
		got, err := Decode(msg)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("%.80s: error %v, encoding/json %v", msg, err, wantErr)
		}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%.80s:\nDecode       %+v\nencoding/json %+v", msg, got.Progress, want.Progress)
		}
		// DecodeAppend: the same rows, after the ones the page holds, or in NewRows where they took the slow path
		before := []RowView{{Row: 100, App: "kept"}, {Row: 101}}
		m, all, err := DecodeAppend(msg, slices.Clip(before))
		if (err != nil) != (wantErr != nil) || len(all) < len(before) || !reflect.DeepEqual(all[:len(before)], before) {
			t.Fatalf("%.80s: DecodeAppend error %v, rows %+v", msg, err, all)
		}
		if err == nil && want.Progress != nil {
			added := all[len(before):]
			if m.Progress.NewRows != nil {
				added = m.Progress.NewRows
			}
			if len(added) != len(want.Progress.NewRows) || (len(added) > 0 && !reflect.DeepEqual(added, want.Progress.NewRows)) {
				t.Fatalf("%.80s: DecodeAppend added %+v, want %+v", msg, added, want.Progress.NewRows)
			}
		}
	}
	if _, ok := decodeRows(strings.TrimSuffix(strings.SplitN(msgs[0], rowsMember, 2)[1], "]}}"), nil); !ok {
		t.Fatal("the encoder's rows did not take the fast path")
	}
}
