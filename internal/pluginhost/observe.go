package pluginhost

import "time"

// CallFunc observes one call to a plugin (Config.OnCall): the plugin's kind
// and name, the method ("describe", "plan", "reduce", "configure", "fetch",
// "stat", "extract"), how long it took and its error, if any.
type CallFunc func(kind, name, method string, d time.Duration, err error)

// called reports a call of method on inst that began at start to
// observe, when set, and returns err.
func called(observe CallFunc, inst *instance, method string, start time.Time, err error) error {
	if observe != nil {
		observe(string(inst.kind), inst.name, method, time.Since(start), err)
	}
	return err
}
