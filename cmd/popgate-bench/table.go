package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// row is one line of the table.
type row struct {
	figure, measured, floor, ratio, target, met string
}

// printTable writes rows as one markdown table.
func printTable(w io.Writer, rows []row) {
	fmt.Fprintln(w, "| figure | measured | floor (same run) | ratio | target | met? |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, r := range rows {
		cells := []string{r.figure, r.measured, r.floor, r.ratio, r.target, r.met}
		for i, c := range cells {
			cells[i] = strings.ReplaceAll(c, "|", "\\|")
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
	}
}

// ms shows a duration in milliseconds with sensible precision.
func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f ms", v)
	case v >= 10:
		return fmt.Sprintf("%.1f ms", v)
	case v >= 0.1:
		return fmt.Sprintf("%.2f ms", v)
	}
	return fmt.Sprintf("%.0f µs", v*1000)
}

// ratio is measured over floor, for times (lower is better).
func ratio(measured, floor time.Duration) string {
	if floor <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", float64(measured)/float64(floor))
}

func yes(ok bool) string {
	if ok {
		return "yes"
	}
	return "no"
}

// mb shows octets in MiB, or KiB below one MiB.
func mb(n int) string {
	if n < 1<<20 {
		return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

func sortInts(v []int64) { slices.Sort(v) }
