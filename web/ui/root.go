package ui

import (
	"github.com/vugu/vugu"

	"github.com/flowlens/ntc/wasm/protocol"
)

// Root is the page's one component; its template is root.vugu.
type Root struct {
	*Page
}

// FileChosen starts a run over the file picked in the file input.
func (c *Root) FileChosen(event vugu.DOMEvent) {
	files := event.JSEventTarget().Get("files")
	if files.Length() == 0 {
		return
	}
	f := files.Index(0)
	c.Choose(f, f.Get("name").String(), int64(f.Get("size").Float()))
	event.JSEventTarget().Set("value", "") // choosing the same file again runs again
}

// DragOver lets the drop zone take a drop, and lights it up. (A file dropped elsewhere on the page is handed
// to the file input by app.js.)
func (c *Root) DragOver(event vugu.DOMEvent) {
	event.PreventDefault()
	c.Dragging = true
}

// RowKey opens a table row's explanation from the keyboard: Enter or Space on the focused row.
func (c *Root) RowKey(event vugu.DOMEvent, r protocol.RowView) {
	switch event.JSEvent().Get("key").String() {
	case "Enter", " ":
		event.PreventDefault() // Space would scroll
		c.Explain(r)
	}
}

// Drop starts a run over a file dropped on the drop zone.
func (c *Root) Drop(event vugu.DOMEvent) {
	event.PreventDefault()
	c.Dragging = false
	files := event.JSEvent().Get("dataTransfer").Get("files")
	if files.Length() == 0 {
		return
	}
	f := files.Index(0)
	c.Choose(f, f.Get("name").String(), int64(f.Get("size").Float()))
}

// Checked reads a checkbox's state from its change event.
func Checked(event vugu.DOMEvent) bool { return event.JSEventTarget().Get("checked").Bool() }

// Open reads a <details> element's open state from its toggle event.
func Open(event vugu.DOMEvent) bool { return event.JSEventTarget().Get("open").Bool() }

// Value reads a form control's value from its event.
func Value(event vugu.DOMEvent) string { return event.JSEventTarget().Get("value").String() }

// DropClass is the drop zone's class.
func (c *Root) DropClass() string {
	if c.Dragging {
		return "drop dragging"
	}
	return "drop"
}
