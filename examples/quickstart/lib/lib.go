// Package lib stands for a third-party library: it knows nothing of
// slogtree and takes the *slog.Logger it should log to, as well-behaved Go
// libraries do.
package lib

import "log/slog"

// Client is a client of some remote cache.
type Client struct {
	log *slog.Logger
}

// New returns a Client that logs to log.
func New(log *slog.Logger) *Client {
	return &Client{log: log}
}

// Fetch looks key up. It logs every step at DEBUG and INFO, the way chatty
// libraries do, and its retries at WARNING.
func (c *Client) Fetch(key string) string {
	c.log.Debug("fetch", "key", key)
	c.log.Info("cache miss", "key", key)
	c.log.Warn("fetch retrying", "key", key, "attempt", 2)
	return "value of " + key
}
