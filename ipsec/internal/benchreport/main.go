// Command benchreport reads `go test -bench` output on stdin and prints the
// figures of the ESP benchmarks beside the baselines measured in the same
// run, with their ratios and the project's targets: seal/open against the
// bare cipher, and two-engine throughput with 10,000 SAs against 1 SA.
//
// The benchmarks measure each figure and its baseline interleaved and
// report medians (see BenchmarkESP and BenchmarkEngines). When the input
// holds several runs of a benchmark (go test -count=N), the report takes
// the median of each metric over them, so one disturbed run does not move
// it.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// metrics are the values of one benchmark by unit, one per run.
type metrics map[string][]float64

// get returns the median of unit over the runs, and whether there was any.
func (m metrics) get(unit string) (float64, bool) {
	v := slices.Clone(m[unit])
	if len(v) == 0 {
		return 0, false
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2], true
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2, true
}

// name is a benchmark line's name without the -GOMAXPROCS suffix.
var name = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?$`)

func main() {
	if err := report(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

// parse reads benchmark lines: a name, the iteration count, then pairs of
// value and unit.
func parse(r io.Reader) (map[string]metrics, error) {
	res := map[string]metrics{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || len(f)%2 != 0 {
			continue
		}
		m := name.FindStringSubmatch(f[0])
		if m == nil {
			continue
		}
		if _, err := strconv.ParseInt(f[1], 10, 64); err != nil {
			continue
		}
		if res[m[1]] == nil {
			res[m[1]] = metrics{}
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			res[m[1]][f[i+1]] = append(res[m[1]][f[i+1]], v)
		}
	}
	return res, sc.Err()
}

func report(r io.Reader, w io.Writer) error {
	res, err := parse(r)
	if err != nil {
		return err
	}
	var keys []string
	for k := range res {
		if strings.HasPrefix(k, "BenchmarkESP/") {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	if len(keys) > 0 {
		fmt.Fprintf(w, "ESP seal/open beside the bare cipher, interleaved; medians of %d run(s)\n", len(res[keys[0]]["ns/op"]))
		fmt.Fprintf(w, "%-34s %9s %9s %7s %6s  %s\n", "suite/size/op", "ns/op", "raw ns/op", "ratio", "allocs", "target")
	}
	for _, k := range keys {
		x := res[k]
		ns, _ := x.get("ns/op")
		raw, ok1 := x.get("raw-ns/op")
		ratio, ok2 := x.get("ratio")
		allocs, _ := x.get("allocs/op")
		if !ok1 || !ok2 {
			continue
		}
		target := verdict(allocs == 0, "0 allocs")
		if strings.Contains(k, "gcm16/1400/") {
			target = verdict(ratio <= 1.10, "<=1.10x") + ", " + target
		}
		fmt.Fprintf(w, "%-34s %9.0f %9.0f %6.3fx %6.0f  %s\n", strings.TrimPrefix(k, "BenchmarkESP/"), ns, raw, ratio, allocs, target)
	}
	if e, ok := res["BenchmarkEngines"]; ok {
		fmt.Fprintf(w, "\nTwo engines, 1400-byte packets, AES-GCM-128, rounds interleaved; medians of %d run(s)\n", len(e["ns/op"]))
		for _, c := range []struct{ key, label, target string }{
			{"1sa", "1 SA", ""},
			{"10000sa-trains", "10,000 SAs, trains of 32", ">=0.90x"},
			{"10000sa-spread", "10,000 SAs, spread", ""},
		} {
			mb, ok := e.get("MB/s-" + c.key)
			if !ok {
				continue
			}
			line := fmt.Sprintf("%-26s %8.1f MB/s", c.label, mb)
			if ratio, ok := e.get("ratio-" + c.key); ok {
				line += fmt.Sprintf("  %5.2fx of 1 SA", ratio)
				if c.target != "" {
					line += "  " + verdict(ratio >= 0.9, c.target)
				} else {
					line += "  (worst case: every packet to a cold SA; no target)"
				}
			}
			fmt.Fprintln(w, line)
		}
		allocs, _ := e.get("allocs/op")
		fmt.Fprintf(w, "%-26s %8.0f per round of each  %s\n", "allocations", allocs, verdict(allocs == 0, "0 allocs"))
	}
	return nil
}

func verdict(ok bool, target string) string {
	if ok {
		return "ok (" + target + ")"
	}
	return "MISSED (" + target + ")"
}
