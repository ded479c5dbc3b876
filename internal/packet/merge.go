package packet

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/custodian-roi/custodian/internal/roi"
)

var pdfcpuOnce sync.Once

// pdfConf is a pdfcpu configuration for in-memory work. pdfcpu would
// otherwise create a configuration directory under the user's home and
// may go online to check certificates; optimisation is off because it
// dominates pdfcpu's time and gains little on fpdf's output.
func pdfConf() *model.Configuration {
	pdfcpuOnce.Do(func() { model.ConfigPath = "disable" })
	conf := model.NewDefaultConfiguration()
	conf.Offline = true
	conf.Optimize = false
	conf.OptimizeBeforeWriting = false
	conf.ValidationMode = model.ValidationRelaxed
	// Plain objects, not object streams, so that the document id and dates
	// pdfcpu writes can be found in the output and fixed (deterministic).
	conf.WriteObjectStream = false
	conf.WriteXRefStream = false
	return conf
}

// pageCount reads a PDF to be merged and returns its page count.
func pageCount(data []byte) (int, error) {
	conf := pdfConf()
	conf.Cmd = model.VALIDATE
	ctx, err := api.ReadAndValidate(readSeeker(data), conf)
	if err != nil {
		return 0, roi.Wrap(roi.CodeInvalid, err, "An attached PDF cannot be read; it may be damaged or password-protected.")
	}
	if ctx.PageCount < 1 {
		return 0, roi.Errorf(roi.CodeInvalid, "An attached PDF has no pages.")
	}
	return ctx.PageCount, nil
}

// assemble merges the PDFs of b.parts into fpdf's output main, puts their
// pages where they belong, stamps them with the footer (and the short Part
// 2 notice where they belong to a Part 2 item), and writes the result with
// a document id and dates derived from the input, not the clock.
func (b *builder) assemble(main []byte) ([]byte, error) {
	conf := pdfConf()
	conf.Cmd = model.MERGECREATE
	ctx, err := api.ReadAndValidate(readSeeker(main), conf)
	if err != nil {
		return nil, roi.WrapOp("packet.merge-read", roi.CodeInternal, err, "The packet could not be assembled.")
	}
	gen := ctx.PageCount
	ctx.EnsureVersionForWriting()
	for _, part := range b.parts {
		src, err := api.ReadAndValidate(readSeeker(part.data), conf)
		if err != nil {
			return nil, roi.Wrap(roi.CodeInvalid, err, "An attached PDF cannot be read; it may be damaged or password-protected.")
		}
		if err := pdfcpu.MergeXRefTables("", src, ctx, false, false); err != nil {
			return nil, roi.Wrap(roi.CodeInvalid, err, "An attached PDF cannot be merged into the packet.")
		}
	}
	// Merged pages are appended; their place is after fpdf page part.after.
	// Only when one belongs before the last generated page is the order
	// rebuilt, which copies every page.
	order := make([]int, 0, ctx.PageCount)
	next := gen + 1
	var merged, part2 []int
	pi := 0
	place := func(after int) {
		for ; pi < len(b.parts) && b.parts[pi].after == after; pi++ {
			for range b.parts[pi].pages {
				order = append(order, next)
				merged = append(merged, len(order))
				if b.parts[pi].part2 {
					part2 = append(part2, len(order))
				}
				next++
			}
		}
	}
	place(0)
	for n := 1; n <= gen; n++ {
		order = append(order, n)
		place(n)
	}
	inOrder := true
	for i, n := range order {
		if n != i+1 {
			inOrder = false
			break
		}
	}
	if !inOrder {
		if err := reorderPages(ctx, order); err != nil {
			return nil, roi.WrapOp("packet.merge-order", roi.CodeInternal, err, "The packet's pages could not be put in order.")
		}
	}
	footer := stampText("Released to " + b.in.Recipient + " on " + b.in.Released.String() + " - " + b.in.PacketID + "     Page %p of %P")
	wm, err := api.TextWatermark(footer, "font:Helvetica, points:7, pos:bl, offset:51 24, scalefactor:1 abs, rot:0, fillcolor:#3C3C3C, opacity:1", true, false, types.POINTS)
	if err != nil {
		return nil, roi.WrapOp("packet.merge-stamp", roi.CodeInternal, err, "The packet's merged pages could not be stamped.")
	}
	if err := pdfcpu.AddWatermarks(ctx, intSet(merged), wm); err != nil {
		return nil, roi.Wrap(roi.CodeInvalid, err, "The packet's merged pages could not be stamped.")
	}
	// The patient and the request, above the footer: every page of the
	// packet names whose records it holds.
	who := stampText(patientLine(b.in.Patient) + "  -  Request " + b.in.Number)
	wm, err = api.TextWatermark(who, "font:Helvetica, points:7, pos:bl, offset:51 33, scalefactor:1 abs, rot:0, fillcolor:#000000, opacity:1", true, false, types.POINTS)
	if err != nil {
		return nil, roi.WrapOp("packet.merge-stamp", roi.CodeInternal, err, "The packet's merged pages could not be stamped.")
	}
	if err := pdfcpu.AddWatermarks(ctx, intSet(merged), wm); err != nil {
		return nil, roi.Wrap(roi.CodeInvalid, err, "The packet's merged pages could not be stamped.")
	}
	if len(part2) > 0 {
		wm, err := api.TextWatermark(Part2ShortStatement, "font:Helvetica-Bold, points:8, pos:tc, offset:0 -10, scalefactor:1 abs, rot:0, fillcolor:#000000, opacity:1", true, false, types.POINTS)
		if err != nil {
			return nil, roi.WrapOp("packet.merge-stamp", roi.CodeInternal, err, "The packet's merged pages could not be stamped.")
		}
		if err := pdfcpu.AddWatermarks(ctx, intSet(part2), wm); err != nil {
			return nil, roi.Wrap(roi.CodeInvalid, err, "The packet's merged pages could not be stamped.")
		}
	}
	renumber(ctx)
	var out bytes.Buffer
	if err := api.WriteContext(ctx, &out); err != nil {
		return nil, roi.WrapOp("packet.merge-write", roi.CodeInternal, err, "The packet could not be written.")
	}
	sorted, err := sortObjects(out.Bytes())
	if err != nil {
		return nil, roi.WrapOp("packet.merge-write", roi.CodeInternal, err, "The packet could not be written.")
	}
	return fixIdentity(ctx, sorted, main, b.in.Released), nil
}

var idArray = regexp.MustCompile(`/ID\s*\[\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*\]`)

func intSet(pages []int) types.IntSet {
	s := types.IntSet{}
	for _, p := range pages {
		s[p] = true
	}
	return s
}

// stampText is s for a pdfcpu text stamp in a standard font, which covers
// Windows-1252: letters outside it lose their accents, and what is left
// becomes "?". The generated pages print the exact text in DejaVu.
func stampText(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c < 0x80 || (c >= 0xA0 && c <= 0xFF):
			b.WriteRune(c)
		case c == '—' || c == '–':
			b.WriteRune('-')
		default:
			if base := foldAccent(c); base != 0 {
				b.WriteRune(base)
			} else if !unicode.IsMark(c) {
				b.WriteRune('?')
			}
		}
	}
	return b.String()
}

// foldAccent maps common Latin Extended-A letters to their base letter.
func foldAccent(c rune) rune {
	const from = "ĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĦħĨĩĪīĬĭĮįİıĴĵĶķĹĺĻļĽľĿŀŁłŃńŅņŇňŌōŎŏŐőŒœŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŦŧŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽž"
	const to = "AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiJjKkLlLlLlLlLlNnNnNnOoOoOoOoRrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZz"
	i := 0
	for _, f := range from {
		if f == c {
			return rune(to[i])
		}
		i++
	}
	return 0
}

// fixIdentity replaces, in pdfcpu's output, what pdfcpu takes from the
// clock: the document id (an MD5 of the time) and the Info dictionary's
// dates. The id becomes a hash of the generated document, the dates the
// release date; both are the same length as what they replace, so the
// cross-reference offsets stay right.
func fixIdentity(ctx *model.Context, out, main []byte, released roi.Date) []byte {
	sum := sha256.Sum256(main)
	id := []byte(strings.ToUpper(hex.EncodeToString(sum[:16])))
	// The trailer's /ID [<a> <b>]: each hex string replaced in place.
	if loc := idArray.FindSubmatchIndex(out); loc != nil {
		for k := 2; k < len(loc); k += 2 {
			if loc[k+1]-loc[k] == len(id) {
				copy(out[loc[k]:loc[k+1]], id)
			}
		}
	}
	if ctx.Info == nil {
		return out
	}
	d, err := ctx.DereferenceDict(*ctx.Info)
	if err != nil || d == nil {
		return out
	}
	y, m, dd := released.Civil()
	fixed := types.DateString(timeUTC(y, m, dd))
	for _, k := range []string{"CreationDate", "ModDate"} {
		s, ok := d[k].(types.StringLiteral)
		if !ok || len(string(s)) != len(fixed) {
			continue
		}
		out = bytes.ReplaceAll(out, []byte("("+string(s)+")"), []byte("("+fixed+")"))
	}
	return out
}

// reorderPages makes the page tree one flat list of ctx's pages in order
// (old page numbers, each once). Each page gets the attributes it used to
// inherit from the intermediate nodes, which are dropped. This costs a
// pass over the page dictionaries, not a copy of every page as pdfcpu's
// ExtractPages does.
func reorderPages(ctx *model.Context, order []int) error {
	refs := make([]types.IndirectRef, ctx.PageCount+1)
	for n := 1; n <= ctx.PageCount; n++ {
		d, ref, inh, err := ctx.PageDict(n, false)
		if err != nil {
			return err
		}
		if d == nil || ref == nil {
			return roi.Errorf(roi.CodeInternal, "page %d has no dictionary", n)
		}
		if inh != nil {
			if _, ok := d.Find("Resources"); !ok && inh.Resources != nil {
				d["Resources"] = inh.Resources
			}
			if _, ok := d.Find("MediaBox"); !ok && inh.MediaBox != nil {
				d["MediaBox"] = inh.MediaBox.Array()
			}
			if _, ok := d.Find("CropBox"); !ok && inh.CropBox != nil {
				d["CropBox"] = inh.CropBox.Array()
			}
			if _, ok := d.Find("Rotate"); !ok && inh.Rotate != 0 {
				d["Rotate"] = types.Integer(inh.Rotate)
			}
		}
		refs[n] = *ref
	}
	root, ok := ctx.RootDict["Pages"].(types.IndirectRef)
	if !ok {
		return roi.Errorf(roi.CodeInternal, "the page tree root is not an indirect object")
	}
	pages, err := ctx.DereferenceDict(root)
	if err != nil {
		return err
	}
	kids := make(types.Array, 0, len(order))
	for _, n := range order {
		d, err := ctx.DereferenceDict(refs[n])
		if err != nil {
			return err
		}
		d["Parent"] = root
		kids = append(kids, refs[n])
	}
	pages["Kids"] = kids
	pages["Count"] = types.Integer(len(kids))
	return nil
}

// renumber gives ctx's objects numbers in the order a walk from the
// document catalog and the Info dictionary meets them, dictionary keys
// sorted, and drops the objects the walk does not reach. pdfcpu numbers
// the objects it merges and adds while iterating over Go maps, so without
// this the same packet would come out with its objects numbered
// differently from one run to the next.
func renumber(ctx *model.Context) {
	xt := ctx.XRefTable
	newNr := map[int]int{}
	var queue []int
	assign := func(r types.IndirectRef) types.IndirectRef {
		old := r.ObjectNumber.Value()
		n, ok := newNr[old]
		if !ok {
			n = len(newNr) + 1
			newNr[old] = n
			queue = append(queue, old)
		}
		return *types.NewIndirectRef(n, 0)
	}
	var rewrite func(o types.Object) types.Object
	rewrite = func(o types.Object) types.Object {
		switch v := o.(type) {
		case types.IndirectRef:
			return assign(v)
		case *types.IndirectRef:
			r := assign(*v)
			return &r
		case types.Dict:
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			nd := make(types.Dict, len(v))
			for _, k := range keys {
				nd[k] = rewrite(v[k])
			}
			return nd
		case types.Array:
			na := make(types.Array, len(v))
			for i, x := range v {
				na[i] = rewrite(x)
			}
			return na
		case types.StreamDict:
			v.Dict = rewrite(v.Dict).(types.Dict)
			v.StreamLengthObjNr = nil
			return v
		case *types.StreamDict:
			c := *v
			c.Dict = rewrite(v.Dict).(types.Dict)
			c.StreamLengthObjNr = nil
			return &c
		}
		return o
	}
	root := assign(*xt.Root)
	var info types.IndirectRef
	if xt.Info != nil {
		info = assign(*xt.Info)
	}
	table := map[int]*model.XRefTableEntry{0: model.NewFreeHeadXRefTableEntry()}
	for len(queue) > 0 {
		old := queue[0]
		queue = queue[1:]
		var obj types.Object
		if e, ok := xt.Table[old]; ok && !e.Free {
			obj = e.Object
		}
		table[newNr[old]] = model.NewXRefTableEntryGen0(rewrite(obj))
	}
	xt.Table = table
	size := len(table)
	xt.Size = &size
	xt.Root = &root
	if xt.Info != nil {
		xt.Info = &info
	}
	xt.RootDict = table[root.ObjectNumber.Value()].Object.(types.Dict)
	// Caches keyed by the old numbers.
	ctx.Optimize = &model.OptimizationContext{
		FontObjects:          map[int]*model.FontObject{},
		FormFontObjects:      map[int]*model.FontObject{},
		Fonts:                map[string][]int{},
		DuplicateFonts:       map[int]types.Dict{},
		DuplicateFontObjs:    types.IntSet{},
		ImageObjects:         map[int]*model.ImageObject{},
		ImageObjectHashes:    map[[32]byte][]int{},
		DuplicateImages:      map[int]*model.DuplicateImageObject{},
		DuplicateImageObjs:   types.IntSet{},
		DuplicateInfoObjects: types.IntSet{},
		ContentStreamCache:   map[int]*types.StreamDict{},
		FormStreamCache:      map[int]*types.StreamDict{},
		FormResourceCache:    map[int]types.IntSet{},
		Cache:                map[int]bool{},
	}
	xt.LinearizationObjs = types.IntSet{}
	ctx.Read.ObjectStreams = types.IntSet{}
	ctx.Read.Linearized = false
}

// sortObjects rewrites a PDF that has one classic cross-reference table
// (as pdfcpu writes it without object or xref streams) with its objects in
// object-number order. pdfcpu writes objects in the order it walks
// dictionaries, which are Go maps; sorting makes the bytes repeatable.
func sortObjects(pdf []byte) ([]byte, error) {
	sx := bytes.LastIndex(pdf, []byte("startxref"))
	if sx < 0 {
		return nil, roi.Errorf(roi.CodeInternal, "no startxref")
	}
	f := bytes.Fields(pdf[sx+len("startxref"):])
	if len(f) == 0 {
		return nil, roi.Errorf(roi.CodeInternal, "no xref offset")
	}
	xref, err := strconv.Atoi(string(f[0]))
	if err != nil || xref <= 0 || xref >= sx || !bytes.HasPrefix(pdf[xref:], []byte("xref")) {
		return nil, roi.Errorf(roi.CodeInternal, "not a classic xref table")
	}
	tr := bytes.Index(pdf[xref:sx], []byte("trailer"))
	if tr < 0 {
		return nil, roi.Errorf(roi.CodeInternal, "no trailer")
	}
	tr += xref
	lines := bytes.Split(bytes.ReplaceAll(pdf[xref+len("xref"):tr], []byte("\r"), nil), []byte("\n"))
	offsets := map[int]int{}
	maxNr := 0
	for i, nr := 0, 0; i < len(lines); i++ {
		w := bytes.Fields(lines[i])
		switch {
		case len(w) == 2: // a subsection: first object number, count
			if nr, err = strconv.Atoi(string(w[0])); err != nil {
				return nil, roi.Errorf(roi.CodeInternal, "bad xref subsection")
			}
		case len(w) == 3:
			if string(w[2]) == "n" {
				off, err := strconv.Atoi(string(w[0]))
				if err != nil || off <= 0 || off >= xref {
					return nil, roi.Errorf(roi.CodeInternal, "bad xref entry")
				}
				offsets[nr] = off
				maxNr = max(maxNr, nr)
			}
			nr++
		}
	}
	starts := make([]int, 0, len(offsets))
	for _, off := range offsets {
		starts = append(starts, off)
	}
	slices.Sort(starts)
	if len(starts) == 0 {
		return nil, roi.Errorf(roi.CodeInternal, "no objects")
	}
	end := func(off int) int {
		i, _ := slices.BinarySearch(starts, off)
		if i+1 < len(starts) {
			return starts[i+1]
		}
		return xref
	}
	var out bytes.Buffer
	out.Grow(len(pdf))
	out.Write(pdf[:starts[0]])
	newOff := make([]int, maxNr+1)
	for nr := 1; nr <= maxNr; nr++ {
		off, ok := offsets[nr]
		if !ok {
			continue
		}
		newOff[nr] = out.Len()
		out.Write(pdf[off:end(off)])
	}
	x := out.Len()
	fmt.Fprintf(&out, "xref\n0 %d\n", maxNr+1)
	out.WriteString("0000000000 65535 f\r\n")
	for nr := 1; nr <= maxNr; nr++ {
		if _, ok := offsets[nr]; ok {
			fmt.Fprintf(&out, "%010d 00000 n\r\n", newOff[nr])
		} else {
			out.WriteString("0000000000 00001 f\r\n")
		}
	}
	out.Write(pdf[tr:sx])
	fmt.Fprintf(&out, "startxref\n%d\n%%%%EOF\n", x)
	return out.Bytes(), nil
}
