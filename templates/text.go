package templates

import (
	"context"
	"io"

	"github.com/a-h/templ"
)

// text is a string rendered as escaped HTML text, exactly as { s } renders
// it, for the inbox rows, which a page repeats fifty times: { s } copies
// each string through fmt.Sprint, two allocations, where @text(s) writes it
// as it is (escaping allocates only when there is something to escape).
// Mail content goes through it like through { s }: never raw.
type text string

// Render writes t escaped. It is a method of the value type, so that the
// generated call text(s).Render(...) needs no allocation.
func (t text) Render(_ context.Context, w io.Writer) error {
	_, err := io.WriteString(w, templ.EscapeString(string(t)))
	return err
}
