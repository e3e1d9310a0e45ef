package linux

// withDefaults fills in the defaults of the fields left zero; only the
// Linux Network uses them.
func (o Options) withDefaults() Options {
	if o.TUNName == "" {
		o.TUNName = "espresso%d"
	}
	if o.ResolvConf == "" {
		o.ResolvConf = "/etc/resolv.conf"
	}
	if o.Runner == nil {
		o.Runner = ExecRunner{}
	}
	return o
}
