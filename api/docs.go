package api

import (
	"encoding/json"
	"html"
	"io"
	"net/http"
	"slices"
	"strings"
)

// docsHead is the docs page up to its title; the page is written by hand with html.EscapeString (html/template
// and the text/template and regexp packages under it were a tenth of the edge worker's compressed size).
const docsHead = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>`

const docsStyle = `</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1d2330}
h1{font-size:1.5rem} h2{font-size:1.1rem;margin-top:2rem;border-top:1px solid #dde;padding-top:1rem}
code,pre{font-family:ui-monospace,monospace;background:#f3f4f8;border-radius:4px;padding:.1rem .3rem}
pre{padding:.7rem;overflow:auto} .m{font-weight:700;color:#fff;border-radius:4px;padding:.1rem .45rem;margin-right:.4rem}
.get{background:#2f7d4f}.post{background:#2f5fa8} td{padding:.2rem .6rem;vertical-align:top}
</style></head><body>
`

const docsCurl = `<pre>curl -sS -H 'Content-Type: text/csv' --data-binary @flows.csv 'http://127.0.0.1:8080/v1/classify?tasks=app,att' -o predictions.csv</pre>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p>
`

// docsPage renders openapi.json's title, description and operations for people: every path and method with
// its parameters and responses.
func docsPage(title, description string, ops []docsOp) string {
	var b strings.Builder
	e := html.EscapeString
	b.WriteString(docsHead + e(title) + docsStyle)
	b.WriteString("<h1>" + e(title) + "</h1><p>" + e(description) + "</p>\n" + docsCurl)
	for _, op := range ops {
		b.WriteString(`<h2><span class="m ` + e(op.Method) + `">` + e(op.Method) + "</span><code>" + e(op.Path) + "</code> — " + e(op.Summary) + "</h2>\n")
		if op.Description != "" {
			b.WriteString("<p>" + e(op.Description) + "</p>\n")
		}
		if len(op.Params) > 0 {
			b.WriteString("<p>Parameters:</p><table>")
			for _, p := range op.Params {
				b.WriteString("<tr><td><code>" + e(p.Name) + "</code> (" + e(p.In) + ")</td><td>" + e(p.Description) + "</td></tr>")
			}
			b.WriteString("</table>\n")
		}
		b.WriteString("<p>Responses:</p><table>")
		for _, r := range op.Responses {
			b.WriteString("<tr><td><code>" + e(r.Code) + "</code></td><td>" + e(r.Description) + "</td></tr>")
		}
		b.WriteString("</table>\n")
	}
	b.WriteString("</body></html>\n")
	return b.String()
}

type docsOp struct {
	Method, Path, Summary, Description string
	Params                             []struct{ Name, In, Description string }
	Responses                          []struct{ Code, Description string }
}

func (h *Handler) docs(w http.ResponseWriter, r *http.Request) {
	var spec struct {
		Info  struct{ Title, Description string }
		Paths map[string]map[string]struct {
			Summary, Description string
			Parameters           []struct{ Name, In, Description string }
			Responses            map[string]struct {
				Description string
				Ref         string `json:"$ref"`
			}
		}
	}
	if err := json.Unmarshal(openAPI, &spec); err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "openapi.json does not parse: "+err.Error())
		return
	}
	var ops []docsOp
	for _, path := range sortedKeys(spec.Paths) {
		for _, method := range sortedKeys(spec.Paths[path]) {
			o := spec.Paths[path][method]
			op := docsOp{Method: method, Path: path, Summary: o.Summary, Description: o.Description, Params: o.Parameters}
			for _, code := range sortedKeys(o.Responses) {
				d := o.Responses[code].Description
				if d == "" {
					d = "JSON {error, detail}"
				}
				op.Responses = append(op.Responses, struct{ Code, Description string }{code, d})
			}
			ops = append(ops, op)
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	io.WriteString(w, docsPage(spec.Info.Title, spec.Info.Description, ops))
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
