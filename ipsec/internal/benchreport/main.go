// Command benchreport reads `go test -bench` output on stdin and prints the
// figures of the ESP benchmarks beside the baselines measured in the same
// run, with their ratios and the project's targets: seal/open against the
// bare cipher, and two-engine throughput with 10,000 SAs against 1 SA.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// result is one benchmark line.
type result struct {
	nsPerOp, mbPerS float64
	allocs          int64
}

var line = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op(?:\s+([\d.]+) MB/s)?(?:\s+\d+ B/op\s+(\d+) allocs/op)?`)

func main() {
	if err := report(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

func report(r io.Reader, w io.Writer) error {
	res := map[string]result{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		var x result
		x.nsPerOp, _ = strconv.ParseFloat(m[2], 64)
		x.mbPerS, _ = strconv.ParseFloat(m[3], 64)
		x.allocs, _ = strconv.ParseInt(m[4], 10, 64)
		res[m[1]] = x
	}
	if err := sc.Err(); err != nil {
		return err
	}
	var keys []string
	for k := range res {
		if strings.HasPrefix(k, "BenchmarkESP/") && (strings.HasSuffix(k, "/seal") || strings.HasSuffix(k, "/open")) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	fmt.Fprintf(w, "%-40s %10s %10s %7s %7s  %s\n", "ESP (suite/size/op)", "ns/op", "raw ns/op", "ratio", "allocs", "target")
	for _, k := range keys {
		i := strings.LastIndex(k, "/")
		raw, ok := res[k[:i+1]+"raw"+k[i+1:]]
		if !ok {
			continue
		}
		x := res[k]
		ratio := x.nsPerOp / raw.nsPerOp
		target := ""
		if strings.Contains(k, "gcm16/1400/") {
			target = verdict(ratio <= 1.10, "<=1.10x")
		}
		target += " " + verdict(x.allocs == 0, "0 allocs")
		fmt.Fprintf(w, "%-40s %10.0f %10.0f %6.2fx %7d  %s\n", strings.TrimPrefix(k, "BenchmarkESP/"), x.nsPerOp, raw.nsPerOp, ratio, x.allocs, target)
	}
	one, ok1 := res["BenchmarkEngines/sas=1"]
	many, ok2 := res["BenchmarkEngines/sas=10000"]
	if ok1 && ok2 {
		ratio := many.mbPerS / one.mbPerS
		fmt.Fprintf(w, "\nTwo engines, 1400-byte packets, AES-GCM-128\n")
		fmt.Fprintf(w, "%-20s %10.1f MB/s %6d allocs/op\n", "1 SA", one.mbPerS, one.allocs)
		fmt.Fprintf(w, "%-20s %10.1f MB/s %6d allocs/op\n", "10,000 SAs", many.mbPerS, many.allocs)
		fmt.Fprintf(w, "%-20s %10.2fx  %s\n", "10,000 / 1", ratio, verdict(ratio >= 0.9, ">=0.90x"))
	}
	return nil
}

func verdict(ok bool, target string) string {
	if ok {
		return "ok (" + target + ")"
	}
	return "MISSED (" + target + ")"
}
