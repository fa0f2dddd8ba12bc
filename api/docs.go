package api

import (
	"encoding/json"
	"html/template"
	"net/http"
	"slices"
)

// docsPage renders openapi.json for people: every path and method with its parameters and responses.
var docsPage = template.Must(template.New("docs").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1d2330}
h1{font-size:1.5rem} h2{font-size:1.1rem;margin-top:2rem;border-top:1px solid #dde;padding-top:1rem}
code,pre{font-family:ui-monospace,monospace;background:#f3f4f8;border-radius:4px;padding:.1rem .3rem}
pre{padding:.7rem;overflow:auto} .m{font-weight:700;color:#fff;border-radius:4px;padding:.1rem .45rem;margin-right:.4rem}
.get{background:#2f7d4f}.post{background:#2f5fa8} td{padding:.2rem .6rem;vertical-align:top}
</style></head><body>
<h1>{{.Title}}</h1><p>{{.Description}}</p>
<pre>curl -sS -H 'Content-Type: text/csv' --data-binary @flows.csv 'http://127.0.0.1:8080/v1/classify?tasks=app,att' -o predictions.csv</pre>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p>
{{range .Ops}}<h2><span class="m {{.Method}}">{{.Method}}</span><code>{{.Path}}</code> — {{.Summary}}</h2>
{{if .Description}}<p>{{.Description}}</p>{{end}}
{{if .Params}}<p>Parameters:</p><table>{{range .Params}}<tr><td><code>{{.Name}}</code> ({{.In}})</td><td>{{.Description}}</td></tr>{{end}}</table>{{end}}
<p>Responses:</p><table>{{range .Responses}}<tr><td><code>{{.Code}}</code></td><td>{{.Description}}</td></tr>{{end}}</table>
{{end}}</body></html>
`))

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
	docsPage.Execute(w, map[string]any{"Title": spec.Info.Title, "Description": spec.Info.Description, "Ops": ops})
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
