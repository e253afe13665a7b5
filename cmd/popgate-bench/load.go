package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"
)

// loadResult is what a closed-loop load measured.
type loadResult struct {
	requests int
	errors   int
	firstErr error
	elapsed  time.Duration
	lat      []time.Duration // sorted
}

func (r loadResult) perSecond() float64 { return float64(r.requests) / r.elapsed.Seconds() }

// runLoad has one worker per user request inbox pages back to back for d:
// each picks a page at random among pages and reads it whole, as it came
// (with Accept-Encoding: enc unless enc is "", not decoded). Each worker
// keeps its own keep-alive connection. seed varies the pages picked.
func runLoad(ctx context.Context, c *client, users []*user, pages int, d time.Duration, enc string, seed uint64) loadResult {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var mu sync.Mutex
	var res loadResult
	var wg sync.WaitGroup
	start := time.Now()
	for i, u := range users {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(i), seed))
			var lat []time.Duration
			errs := 0
			var firstErr error
			for ctx.Err() == nil {
				path := fmt.Sprintf("?page=%d", 1+rng.IntN(pages))
				t := time.Now()
				status, _, _, err := c.getEncoded(ctx, u, path, enc, io.Discard)
				if ctx.Err() != nil {
					break // cut off by the end of the run: not counted
				}
				if err == nil && status != http.StatusOK {
					err = fmt.Errorf("GET /%s: status %d", path, status)
				}
				if err != nil {
					errs++
					firstErr = cmpErr(firstErr, err)
					continue
				}
				lat = append(lat, time.Since(t))
			}
			mu.Lock()
			res.lat = append(res.lat, lat...)
			res.errors += errs
			res.firstErr = cmpErr(res.firstErr, firstErr)
			mu.Unlock()
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.requests = len(res.lat)
	slices.Sort(res.lat)
	return res
}

// add adds the requests, errors, time and latencies of r to res.
func (res *loadResult) add(r loadResult) {
	res.requests += r.requests
	res.errors += r.errors
	res.firstErr = cmpErr(res.firstErr, r.firstErr)
	res.elapsed += r.elapsed
	res.lat = append(res.lat, r.lat...)
	slices.Sort(res.lat)
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// percentile returns the p-th percentile (0..100) of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p/100*float64(len(sorted)) + 0.5)
	return sorted[min(max(i-1, 0), len(sorted)-1)]
}

// timings collects samples of one measured operation.
type timings []time.Duration

func (t timings) p(p float64) time.Duration {
	s := slices.Clone(t)
	slices.Sort(s)
	return percentile(s, p)
}
