// Package servicetest holds test doubles for package service.
package servicetest

import "fmt"

// SystemLogger is a system logger (a service.Logger) that records what
// reaches it, one line per record: its priority ("err", "warning" or
// "info"), a space and the message.
type SystemLogger struct{ Lines []string }

func (f *SystemLogger) add(prio string, v ...any) error {
	f.Lines = append(f.Lines, prio+" "+fmt.Sprint(v...))
	return nil
}

func (f *SystemLogger) Error(v ...any) error   { return f.add("err", v...) }
func (f *SystemLogger) Warning(v ...any) error { return f.add("warning", v...) }
func (f *SystemLogger) Info(v ...any) error    { return f.add("info", v...) }

func (f *SystemLogger) Errorf(format string, a ...any) error {
	return f.add("err", fmt.Sprintf(format, a...))
}

func (f *SystemLogger) Warningf(format string, a ...any) error {
	return f.add("warning", fmt.Sprintf(format, a...))
}

func (f *SystemLogger) Infof(format string, a ...any) error {
	return f.add("info", fmt.Sprintf(format, a...))
}
