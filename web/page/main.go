//go:build js && wasm

// Command page is the page's UI (web/ui) compiled to WebAssembly; web/static/app.js starts it next to the
// classifier's Web Worker.
package main

import (
	"github.com/vugu/vugu"
	"github.com/vugu/vugu/domrender"

	"github.com/flowlens/ntc/web/ui"
)

func main() {
	renderer, err := domrender.New("#vugu_mount_point")
	if err != nil {
		panic(err)
	}
	defer renderer.Release()
	buildEnv, err := vugu.NewBuildEnv(renderer.EventEnv())
	if err != nil {
		panic(err)
	}
	page := ui.NewPage(ui.NewJSBridge())
	root := &ui.Root{Page: page}
	ui.Listen(page, renderer.EventEnv())
	for ok := true; ok; ok = renderer.EventWait() {
		if err := renderer.Render(buildEnv.RunBuild(root)); err != nil {
			panic(err)
		}
	}
}
