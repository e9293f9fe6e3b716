package provider

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// maxJSONDepth bounds the nesting of a request body and of every object in
// it: Kubernetes objects nest a few dozen levels, and the bound keeps a
// hostile body's walk shallow (encoding/json's own bound is 10000).
const maxJSONDepth = 512

// pointerTo extends an RFC 6901 JSON pointer with one reference token.
func pointerTo(base, token string) string {
	return base + "/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(token)
}

// fieldPointer turns encoding/json's dotted field path ("request.uid") into
// a JSON pointer under base.
func fieldPointer(base, field string) string {
	if field == "" {
		return base
	}
	p := base
	for f := range strings.SplitSeq(field, ".") {
		p = pointerTo(p, f)
	}
	return p
}

// locate describes where a decoding error is: the JSON pointer of the field
// of a type error, the byte offset of a syntax error.
func locate(err error, base string) string {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		if base == "" && te.Field == "" {
			return "/"
		}
		return fieldPointer(base, te.Field)
	case errors.As(err, &se):
		return fmt.Sprintf("%s (byte %d)", orRoot(base), se.Offset)
	}
	return orRoot(base)
}

func orRoot(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

// checkJSON walks the single JSON value in raw and refuses duplicate object
// keys (encoding/json would silently keep the last one; the API server's
// strict decoding refuses them) and nesting past maxJSONDepth, naming the
// JSON pointer of the problem under base. Work is linear in len(raw).
func checkJSON(raw []byte, base string) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	type frame struct {
		ptr   string
		obj   bool
		index int
		keys  map[string]bool
		key   bool // the next string token is a key
	}
	var stack []*frame
	here := func() string {
		if len(stack) == 0 {
			return orRoot(base)
		}
		return orRoot(stack[len(stack)-1].ptr)
	}
	// child is the pointer of the value the next token starts.
	child := func() string {
		if len(stack) == 0 {
			return base
		}
		top := stack[len(stack)-1]
		if top.obj {
			return top.ptr // extended when the key is read
		}
		p := pointerTo(top.ptr, strconv.Itoa(top.index))
		top.index++
		return p
	}
	var last string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %v", here(), err)
		}
		if len(stack) > 0 {
			top := stack[len(stack)-1]
			if top.obj && top.key {
				if s, ok := tok.(string); ok {
					if top.keys[s] {
						return fmt.Errorf("%s: duplicate key %q", pointerTo(top.ptr, s), s)
					}
					top.keys[s] = true
					top.key = false
					last = pointerTo(top.ptr, s)
					continue
				}
			}
		}
		ptr := ""
		if len(stack) > 0 && stack[len(stack)-1].obj {
			ptr = last
			stack[len(stack)-1].key = true
		} else {
			ptr = child()
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			if len(stack) >= maxJSONDepth {
				return fmt.Errorf("%s: nested deeper than %d levels", orRoot(ptr), maxJSONDepth)
			}
			f := &frame{ptr: ptr, obj: tok == json.Delim('{')}
			if f.obj {
				f.keys, f.key = map[string]bool{}, true
			}
			stack = append(stack, f)
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			if len(stack) > 0 && stack[len(stack)-1].obj {
				stack[len(stack)-1].key = true
			}
		}
	}
}
