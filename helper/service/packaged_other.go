//go:build !linux && !darwin && !freebsd

package service

var (
	packagedDefinitions []string
	packagedStart       [][]string
)
