package slogconfig

// A FileConfigOption configures the reading of a Python INI (fileConfig)
// file.
type FileConfigOption interface {
	applyFile(*fileConfigOptions)
}

type fileConfigOptions struct {
	disableExisting bool
	defaults        map[string]string
}

type fileOptionFunc func(*fileConfigOptions)

func (f fileOptionFunc) applyFile(o *fileConfigOptions) { f(o) }

// DisableExistingLoggers sets fileConfig's disable_existing_loggers.
// Default true.
func DisableExistingLoggers(disable bool) FileConfigOption {
	return fileOptionFunc(func(o *fileConfigOptions) { o.disableExisting = disable })
}

// Defaults sets fileConfig's defaults: values for %(name)s interpolation in
// every section.
func Defaults(defaults map[string]string) FileConfigOption {
	return fileOptionFunc(func(o *fileConfigOptions) { o.defaults = defaults })
}
