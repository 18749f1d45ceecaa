package command

import (
	"encoding/json"
	"io"
)

// writeJSON writes v as one indented JSON document, the shape of every
// -json document (docs/json-format.md).
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
