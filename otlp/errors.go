package otlp

import "fmt"

// DropError reports records that a [Handler] dropped because its queue
// held MaxQueueSize records: the newest record is the one dropped, and the
// goroutine that logged it does not wait. It is reported from the export
// goroutine before its next export, and by Close.
type DropError struct {
	Dropped   uint64 // since the previous DropError
	Total     uint64 // since the handler was made
	QueueSize int    // the queue's capacity, MaxQueueSize
}

func (e *DropError) Error() string {
	return fmt.Sprintf("otlp handler: dropped %d records (%d in all): queue of %d full", e.Dropped, e.Total, e.QueueSize)
}

// ExportError reports an export that failed, after the exporter's own
// retries, or that the receiver answered with a partial success: the
// records it names are lost.
type ExportError struct {
	// Records are the records not delivered: every record of the export,
	// or those the receiver rejected in a partial success.
	Records int
	Total   uint64 // records lost to failed exports since the handler was made
	Err     error  // the exporter's error
}

func (e *ExportError) Error() string {
	return fmt.Sprintf("otlp handler: export failed: %d records lost (%d in all): %v", e.Records, e.Total, e.Err)
}

func (e *ExportError) Unwrap() error { return e.Err }
