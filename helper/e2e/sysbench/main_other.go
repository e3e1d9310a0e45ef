//go:build !linux

package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "sysbench: the system benchmark needs Linux network namespaces")
	os.Exit(2)
}
