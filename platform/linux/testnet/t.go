package testnet

// T is what the package needs of its caller: the methods of testing.TB it
// uses. A test passes its *testing.T; a program (the demo, the system
// benchmark) passes a *Script.
type T interface {
	Helper()
	Cleanup(func())
	Fatal(args ...any)
	Fatalf(format string, args ...any)
	Logf(format string, args ...any)
	Skip(args ...any)
	Skipf(format string, args ...any)
	Failed() bool
}
