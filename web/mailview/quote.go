package mailview

import "strings"

// BlockKind is what a Block of plain text is.
type BlockKind uint8

const (
	// BlockLine is one line of text.
	BlockLine BlockKind = iota
	// BlockQuote is a quotation: its Blocks, one level deeper.
	BlockQuote
	// BlockFold is text shown folded away, behind a summary: a long
	// quoted tail or the signature.
	BlockFold
)

// Block is a piece of a plain-text body laid out for reading.
type Block struct {
	Kind BlockKind
	// Text is a line's text, without its quote markers; for a fold, what
	// it holds ("Quoted text", "Signature").
	Text string
	// Blocks are what a quote or a fold holds.
	Blocks []Block
}

// minFoldedQuote is the number of lines of a quoted tail from which it is
// folded away.
const minFoldedQuote = 6

// maxQuoteDepth bounds the nesting of quotes; deeper markers stay text.
const maxQuoteDepth = 16

// TextBlocks lays out a plain-text body (as Message.Text has it) for
// reading: lines quoted with ">" (">>", "> >", ...) become nested quotes
// without their markers, the signature after the last "-- " line is
// folded away, and so is a quoted tail of minFoldedQuote lines or more
// that ends the message (with the line that introduces it, such as "On
// Monday, Ann wrote:"), which replies repeat from the messages before.
// TextBlocks doesn't perform I/O and is safe for concurrent use.
func TextBlocks(text string) []Block {
	if text == "" {
		return nil
	}
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	depths := make([]int, len(lines))
	for i, l := range lines {
		depths[i], lines[i] = unquoteLine(strings.TrimSuffix(l, "\r"))
	}
	end := len(lines)
	var sig []Block
	if s := signatureStart(lines, depths); s >= 0 {
		sig = []Block{{Kind: BlockFold, Text: "Signature", Blocks: quoteBlocks(lines[s:], depths[s:], 0)}}
		end = s
	}
	var tail []Block
	if s := quotedTailStart(lines[:end], depths[:end]); s >= 0 {
		tail = []Block{{Kind: BlockFold, Text: "Quoted text", Blocks: quoteBlocks(lines[s:end], depths[s:end], 0)}}
		end = s
	}
	out := quoteBlocks(lines[:end], depths[:end], 0)
	out = append(out, tail...)
	return append(out, sig...)
}

// unquoteLine returns how deep a line is quoted and its text without the
// quote markers: ">" each, with spaces between them, and one space after
// the last.
func unquoteLine(l string) (depth int, text string) {
	rest := l
	for depth < maxQuoteDepth {
		t := strings.TrimLeft(rest, " ")
		if !strings.HasPrefix(t, ">") || depth == 0 && len(t) < len(rest)-3 {
			break // more than three spaces before the first ">" is indented text
		}
		rest = t[1:]
		depth++
	}
	if depth == 0 {
		return 0, l
	}
	return depth, strings.TrimPrefix(rest, " ")
}

// quoteBlocks nests lines at level and deeper into blocks.
func quoteBlocks(lines []string, depths []int, level int) []Block {
	var out []Block
	for i := 0; i < len(lines); {
		if depths[i] <= level {
			out = append(out, Block{Kind: BlockLine, Text: lines[i]})
			i++
			continue
		}
		j := i
		for j < len(lines) && depths[j] > level {
			j++
		}
		out = append(out, Block{Kind: BlockQuote, Blocks: quoteBlocks(lines[i:j], depths[i:j], level+1)})
		i = j
	}
	return out
}

// signatureStart returns the index of the last unquoted signature
// separator ("-- ", or "--" where the space was lost), or -1 when there
// is none or nothing but blank lines follows it.
func signatureStart(lines []string, depths []int) int {
	for i := len(lines) - 1; i >= 0; i-- {
		if depths[i] == 0 && strings.TrimRight(lines[i], " ") == "--" {
			for _, l := range lines[i+1:] {
				if strings.TrimSpace(l) != "" {
					return i
				}
			}
			return -1
		}
	}
	return -1
}

// quotedTailStart returns where a long quoted tail starts: the quote that
// ends lines (blank lines aside), of minFoldedQuote lines or more, with
// the unquoted line before it when that line ends in ":" (an
// attribution), and the blank lines between. It returns -1 when the text
// does not end so, or is all quote (nothing would be left to read).
func quotedTailStart(lines []string, depths []int) int {
	end := len(lines)
	for end > 0 && depths[end-1] == 0 && strings.TrimSpace(lines[end-1]) == "" {
		end--
	}
	start := end
	for start > 0 && (depths[start-1] > 0 || strings.TrimSpace(lines[start-1]) == "" && start-1 > 0 && depths[start-2] > 0) {
		start--
	}
	if end-start < minFoldedQuote {
		return -1
	}
	i := start
	for i > 0 && depths[i-1] == 0 && strings.TrimSpace(lines[i-1]) == "" {
		i--
	}
	if i > 0 && depths[i-1] == 0 && strings.HasSuffix(strings.TrimSpace(lines[i-1]), ":") {
		start = i - 1
	}
	for _, l := range lines[:start] {
		if strings.TrimSpace(l) != "" {
			return start
		}
	}
	return -1
}
