package edge

import (
	"strconv"
	"unicode/utf8"
)

// JSON with the JS reference's semantics: ParseJSON is TextDecoder('utf-8', {fatal: true})
// followed by JSON.parse, AppendJSONString is JSON.stringify of a string. Strings are kept as
// WTF-8 (a lone surrogate escape becomes its 3-byte generalized UTF-8 form) so that a string
// printed back comes out exactly as JS prints it; a surrogate pair written as two escapes is
// one character, as in JS. Duplicate keys: the last one wins. Nesting has no limit beyond
// memory (V8's parser is not recursive either).

// Kind is the JSON type of a Value.
type Kind uint8

const (
	Null Kind = iota
	Bool
	Number
	String
	Array
	Object
)

// Value is one parsed JSON value.
type Value struct {
	Kind Kind
	Bool bool
	Num  float64
	Str  string
	Arr  []Value
	Obj  *Obj
}

// Obj is a parsed JSON object.
type Obj struct {
	keys  []string
	vals  []Value
	index map[string]int
}

// Get returns the member named key, the way a JS property read of a parsed object finds it.
func (o *Obj) Get(key string) (Value, bool) {
	if i, ok := o.find(key); ok {
		return o.vals[i], true
	}
	return Value{}, false
}

func (o *Obj) find(key string) (int, bool) {
	if o.index != nil {
		i, ok := o.index[key]
		return i, ok
	}
	for i, k := range o.keys {
		if k == key {
			return i, true
		}
	}
	return 0, false
}

// Objects past this many members get a map, so a body of thousands of keys stays linear.
const objIndexAt = 16

func (o *Obj) put(key string, v Value) {
	if i, ok := o.find(key); ok {
		o.vals[i] = v
		return
	}
	o.keys = append(o.keys, key)
	o.vals = append(o.vals, v)
	if o.index != nil {
		o.index[key] = len(o.keys) - 1
	} else if len(o.keys) > objIndexAt {
		o.index = make(map[string]int, len(o.keys)*2)
		for i, k := range o.keys {
			o.index[k] = i
		}
	}
}

// IsObject reports whether v is a plain object (not an array, not null).
func (v Value) IsObject() bool { return v.Kind == Object }

// DecodeUTF8 is TextDecoder('utf-8', {fatal: true}).decode: strict UTF-8, one leading BOM skipped.
func DecodeUTF8(b []byte) (string, bool) {
	if !utf8.Valid(b) {
		return "", false
	}
	if len(b) >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf {
		b = b[3:]
	}
	return string(b), true
}

// ParseJSON decodes bytes as the JS handlers do: JSON.parse(strictUtf8.decode(bytes)).
func ParseJSON(b []byte) (Value, bool) {
	text, ok := DecodeUTF8(b)
	if !ok {
		return Value{}, false
	}
	p := parser{s: text}
	p.space()
	v, ok := p.value()
	if !ok {
		return Value{}, false
	}
	p.space()
	return v, p.i == len(p.s)
}

type parser struct {
	s string
	i int
}

func (p *parser) space() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *parser) literal(word string) bool {
	if len(p.s)-p.i >= len(word) && p.s[p.i:p.i+len(word)] == word {
		p.i += len(word)
		return true
	}
	return false
}

func (p *parser) value() (Value, bool) {
	if p.i >= len(p.s) {
		return Value{}, false
	}
	switch c := p.s[p.i]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		s, ok := p.str()
		return Value{Kind: String, Str: s}, ok
	case c == 't':
		return Value{Kind: Bool, Bool: true}, p.literal("true")
	case c == 'f':
		return Value{Kind: Bool}, p.literal("false")
	case c == 'n':
		return Value{Kind: Null}, p.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	return Value{}, false
}

func (p *parser) object() (Value, bool) {
	p.i++ // '{'
	o := &Obj{}
	p.space()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return Value{Kind: Object, Obj: o}, true
	}
	for {
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != '"' {
			return Value{}, false
		}
		key, ok := p.str()
		if !ok {
			return Value{}, false
		}
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return Value{}, false
		}
		p.i++
		p.space()
		v, ok := p.value()
		if !ok {
			return Value{}, false
		}
		o.put(key, v)
		p.space()
		if p.i >= len(p.s) {
			return Value{}, false
		}
		switch p.s[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			return Value{Kind: Object, Obj: o}, true
		default:
			return Value{}, false
		}
	}
}

func (p *parser) array() (Value, bool) {
	p.i++ // '['
	var items []Value
	p.space()
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		return Value{Kind: Array, Arr: []Value{}}, true
	}
	for {
		p.space()
		v, ok := p.value()
		if !ok {
			return Value{}, false
		}
		items = append(items, v)
		p.space()
		if p.i >= len(p.s) {
			return Value{}, false
		}
		switch p.s[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			return Value{Kind: Array, Arr: items}, true
		default:
			return Value{}, false
		}
	}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func (p *parser) digits() bool {
	start := p.i
	for p.i < len(p.s) && isDigit(p.s[p.i]) {
		p.i++
	}
	return p.i > start
}

func (p *parser) number() (Value, bool) {
	start := p.i
	if p.s[p.i] == '-' {
		p.i++
	}
	if p.i < len(p.s) && p.s[p.i] == '0' {
		p.i++
	} else if !p.digits() {
		return Value{}, false
	}
	if p.i < len(p.s) && p.s[p.i] == '.' {
		p.i++
		if !p.digits() {
			return Value{}, false
		}
	}
	if p.i < len(p.s) && (p.s[p.i] == 'e' || p.s[p.i] == 'E') {
		p.i++
		if p.i < len(p.s) && (p.s[p.i] == '+' || p.s[p.i] == '-') {
			p.i++
		}
		if !p.digits() {
			return Value{}, false
		}
	}
	// Correctly rounded like JS; out of range gives ±Inf (JS: Infinity), which ParseFloat also
	// reports as an error that is no error here.
	f, _ := strconv.ParseFloat(p.s[start:p.i], 64)
	return Value{Kind: Number, Num: f}, true
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func (p *parser) hex4(at int) (int, bool) {
	if at+4 > len(p.s) {
		return 0, false
	}
	v := 0
	for k := 0; k < 4; k++ {
		d := hexVal(p.s[at+k])
		if d < 0 {
			return 0, false
		}
		v = v<<4 | d
	}
	return v, true
}

// appendWTF8 appends code point (or lone surrogate) c in generalized UTF-8.
func appendWTF8(b []byte, c int) []byte {
	if c >= 0xd800 && c <= 0xdfff {
		return append(b, 0xe0|byte(c>>12), 0x80|byte(c>>6)&0x3f, 0x80|byte(c)&0x3f)
	}
	return utf8.AppendRune(b, rune(c))
}

func (p *parser) str() (string, bool) {
	p.i++ // '"'
	start := p.i
	// Fast path: no escapes.
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == '"' {
			s := p.s[start:p.i]
			p.i++
			return s, true
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			return "", false
		}
		p.i++
	}
	b := []byte(p.s[start:p.i])
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return string(b), true
		case c < 0x20:
			return "", false
		case c != '\\':
			b = append(b, c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.s) {
			return "", false
		}
		e := p.s[p.i+1]
		p.i += 2
		switch e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			u, ok := p.hex4(p.i)
			if !ok {
				return "", false
			}
			p.i += 4
			// A high surrogate escape followed by a low one is one character, as in a JS string.
			if u >= 0xd800 && u <= 0xdbff && p.i+1 < len(p.s) && p.s[p.i] == '\\' && p.s[p.i+1] == 'u' {
				if lo, ok := p.hex4(p.i + 2); ok && lo >= 0xdc00 && lo <= 0xdfff {
					p.i += 6
					u = 0x10000 + (u-0xd800)<<10 + (lo - 0xdc00)
				}
			}
			b = appendWTF8(b, u)
		default:
			return "", false
		}
	}
	return "", false
}

const hexDigits = "0123456789abcdef"

// AppendJSONString appends JSON.stringify(s) for a WTF-8 string s: quotes, backslash and control
// characters escaped (\u00xx in lower-case hex unless a short escape exists), a lone surrogate as
// \udxxx, everything else as it is.
func AppendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			dst = append(dst, '\\', '"')
		case c == '\\':
			dst = append(dst, '\\', '\\')
		case c == '\b':
			dst = append(dst, '\\', 'b')
		case c == '\f':
			dst = append(dst, '\\', 'f')
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		case c == 0xed && i+2 < len(s) && s[i+1] >= 0xa0:
			// ED A0..BF xx: a lone surrogate U+D800..U+DFFF.
			u := 0xd000 | int(s[i+1]&0x3f)<<6 | int(s[i+2]&0x3f)
			dst = append(dst, '\\', 'u', hexDigits[u>>12], hexDigits[u>>8&0xf], hexDigits[u>>4&0xf], hexDigits[u&0xf])
			i += 2
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

// JSONString is AppendJSONString to a new string.
func JSONString(s string) string { return string(AppendJSONString(nil, s)) }
