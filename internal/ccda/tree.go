package ccda

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// The HL7 v3 namespace every C-CDA element lives in. Elements of other
// namespaces (sdtc extensions, foreign markup) are kept in the tree but
// never read as clinical content: a name is matched with its namespace,
// not by its local part alone.
const (
	nsV3  = "urn:hl7-org:v3"
	nsXSI = "http://www.w3.org/2001/XMLSchema-instance"
)

// Caps on what one document may be. Without them a hostile file could
// take the memory or the stack of the import; each is far above what a
// real C-CDA holds (the HL7 examples are under 250 KB and 20 levels deep).
// They are variables so that tests can lower them.
var (
	// MaxDocumentBytes is the largest document an import takes, as written
	// (the same cap as one FHIR resource).
	MaxDocumentBytes int64 = 16 << 20
	// MaxDepth is the deepest element nesting read.
	MaxDepth = 256
	// MaxElements is the most elements one document may hold.
	MaxElements = 2_000_000
)

// node is one element of the document: its namespace-qualified name, its
// attributes, its children and the character data directly inside it.
type node struct {
	space, local string
	attrs        []xml.Attr
	kids         []*node // elements and text, in document order
	// text is a text node's character data; a text node has local "#text"
	// and no namespace, so no name lookup ever matches it.
	text   string
	parent *node
}

// parseTree reads data into a tree. It refuses a DOCTYPE (and so any DTD,
// internal or external: encoding/xml would not fetch or expand one, but
// a document that declares one is not what an EHR sends, and refusing it
// says so rather than quietly reading around it), entity references
// other than XML's five (Strict mode with no Entity map), and anything
// over the caps.
func parseTree(data []byte) (*node, error) {
	if int64(len(data)) > MaxDocumentBytes {
		return nil, &Error{Reason: fmt.Sprintf("the document is larger than an import takes (at most %d MiB)", MaxDocumentBytes>>20)}
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	// Only UTF-8 (and its ASCII subset) is read: a declared other charset
	// is refused rather than guessed at.
	d.CharsetReader = func(label string, r io.Reader) (io.Reader, error) {
		switch strings.ToLower(label) {
		case "utf-8", "utf8", "us-ascii", "ascii":
			return r, nil
		}
		return nil, errors.New("unsupported charset")
	}
	var root, cur *node
	depth, count := 0, 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, &Error{Reason: "the file is not well-formed XML" + xmlWhere(err)}
		}
		switch t := tok.(type) {
		case xml.Directive:
			if bytes.HasPrefix(bytes.TrimSpace(t), []byte("DOCTYPE")) {
				return nil, &Error{Reason: "the document declares a DOCTYPE (a DTD); C-CDA documents have none and the import does not read DTDs or entities"}
			}
			return nil, &Error{Reason: "the document holds an XML declaration the import does not read (<!...>)"}
		case xml.StartElement:
			depth++
			count++
			if depth > MaxDepth {
				return nil, &Error{Reason: fmt.Sprintf("elements nested deeper than an import reads (at most %d levels)", MaxDepth)}
			}
			if count > MaxElements {
				return nil, &Error{Reason: fmt.Sprintf("more elements than an import reads (at most %d)", MaxElements)}
			}
			n := &node{space: t.Name.Space, local: t.Name.Local, attrs: t.Attr, parent: cur}
			if cur == nil {
				if root != nil {
					return nil, &Error{Reason: "the file holds more than one root element"}
				}
				root = n
			} else {
				cur.kids = append(cur.kids, n)
			}
			cur = n
		case xml.EndElement:
			depth--
			cur = cur.parent
		case xml.CharData:
			if cur != nil {
				if len(bytes.TrimSpace(t)) > 0 || len(cur.kids) > 0 {
					cur.kids = append(cur.kids, &node{local: "#text", text: string(t), parent: cur})
				}
			} else if len(bytes.TrimSpace(t)) > 0 {
				return nil, &Error{Reason: "the file holds text outside its root element"}
			}
		}
	}
	if root == nil {
		return nil, &Error{Reason: "the file holds no XML element"}
	}
	return root, nil
}

// xmlWhere names the line of a syntax error (never the content).
func xmlWhere(err error) string {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf(" (line %d)", se.Line)
	}
	return ""
}

// is reports whether n is the v3 element local.
func (n *node) is(local string) bool { return n != nil && n.space == nsV3 && n.local == local }

// child returns n's first v3 child named local, or nil.
func (n *node) child(local string) *node {
	if n == nil {
		return nil
	}
	for _, k := range n.kids {
		if k.is(local) {
			return k
		}
	}
	return nil
}

// children returns n's v3 children named local.
func (n *node) children(local string) []*node {
	if n == nil {
		return nil
	}
	var out []*node
	for _, k := range n.kids {
		if k.is(local) {
			out = append(out, k)
		}
	}
	return out
}

// path follows children by name: n.path("a", "b") is n.child("a").child("b").
func (n *node) path(names ...string) *node {
	for _, name := range names {
		n = n.child(name)
	}
	return n
}

// attr returns the value of n's un-namespaced attribute local.
func (n *node) attr(local string) string {
	if n == nil {
		return ""
	}
	for _, a := range n.attrs {
		if a.Name.Space == "" && a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// xsiType returns n's xsi:type without its prefix ("CD", "PQ" ...).
func (n *node) xsiType() string {
	if n == nil {
		return ""
	}
	for _, a := range n.attrs {
		if a.Name.Space == nsXSI && a.Name.Local == "type" {
			_, t, found := strings.Cut(a.Value, ":")
			if !found {
				return a.Value
			}
			return t
		}
	}
	return ""
}

// null reports whether n is absent or carries a nullFlavor.
func (n *node) null() bool { return n == nil || n.attr("nullFlavor") != "" }

// templateIDs returns the roots of n's templateId children.
func (n *node) templateIDs() []string {
	var out []string
	for _, t := range n.children("templateId") {
		if r := t.attr("root"); r != "" {
			out = append(out, r)
		}
	}
	return out
}

// hasTemplate reports whether n carries templateId root.
func (n *node) hasTemplate(root string) bool {
	for _, r := range n.templateIDs() {
		if r == root {
			return true
		}
	}
	return false
}

// walk calls fn for n and every element under it, depth first, in
// document order; fn returning false skips the element's children.
func (n *node) walk(fn func(*node) bool) {
	if n == nil || !fn(n) {
		return
	}
	for _, k := range n.kids {
		k.walk(fn)
	}
}

// plain returns the character data of n and everything under it, in
// document order, with whitespace collapsed.
func (n *node) plain() string {
	var b strings.Builder
	n.walk(func(x *node) bool {
		if x.local == "#text" {
			b.WriteString(x.text)
			b.WriteByte(' ')
		}
		return true
	})
	return strings.Join(strings.Fields(b.String()), " ")
}
