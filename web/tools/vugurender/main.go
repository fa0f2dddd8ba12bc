// Command vugurender writes Vugu's DOM renderer helper script (the jsHelperScript constant of
// github.com/vugu/vugu/domrender) to a file, so the page can load it as a static script: domrender.New evals the
// script, which a Content-Security-Policy without 'unsafe-eval' forbids (web/static/app.js explains the rest).
//
//	go run ./web/tools/vugurender -vugu "$(go list -m -f '{{.Dir}}' github.com/vugu/vugu)" -out dist/web/vugu-render.js
package main

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
)

func main() {
	dir := flag.String("vugu", "", "the github.com/vugu/vugu module's directory")
	out := flag.String("out", "", "the file to write")
	flag.Parse()
	if err := run(*dir, *out); err != nil {
		fmt.Fprintln(os.Stderr, "vugurender:", err)
		os.Exit(1)
	}
}

func run(dir, out string) error {
	if dir == "" || out == "" {
		return fmt.Errorf("need -vugu and -out")
	}
	src := filepath.Join(dir, "domrender", "renderer-js-script.go")
	f, err := parser.ParseFile(token.NewFileSet(), src, nil, 0)
	if err != nil {
		return err
	}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, s := range gd.Specs {
			vs := s.(*ast.ValueSpec)
			for i, n := range vs.Names {
				if n.Name != "jsHelperScript" || i >= len(vs.Values) {
					continue
				}
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return fmt.Errorf("%s: jsHelperScript is not a string literal", src)
				}
				script, err := strconv.Unquote(lit.Value)
				if err != nil {
					return err
				}
				return os.WriteFile(out, []byte("// Vugu's DOM renderer helper (github.com/vugu/vugu/domrender, jsHelperScript), loaded as a file instead of eval'd.\n"+script+"\n"), 0o644)
			}
		}
	}
	return fmt.Errorf("%s: no jsHelperScript constant", src)
}
