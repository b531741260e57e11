package slogconfig

import (
	"github.com/slogtree/slogtree/filters"
	"github.com/slogtree/slogtree/formatters"
	"github.com/slogtree/slogtree/internal/levels"
)

// spec is a configuration after the schema step: typed, every part
// carrying the path of the configuration it came from, ids and names in
// sorted order. Validation completes it (levels parsed, references
// resolved, formatters and filters built, class arguments read); nothing in
// it has opened anything or changed anything outside it.
type spec struct {
	incremental     bool
	disableExisting bool
	levelNames      []*levelNameSpec
	formatters      []*formatterSpec
	filters         []*filterSpec
	handlers        []*handlerSpec // sorted by id until validate orders them by dependency
	loggers         []*loggerSpec  // sorted by name
	root            *loggerSpec    // nil when absent or falsy: Python leaves root alone then

	cfg        map[string]any // as given, for the order of problems
	threadName string         // the Manager's, for the formatters and handlers built
	knownNames *levels.Names  // a dry run's level names from earlier configurations
	// failed holds the paths of the entries that could not be read or
	// validated: a reference to one of them is not reported again.
	failed map[string]bool

	// Set by validate.
	formatterByID map[string]*formatterSpec
	filterByID    map[string]*filterSpec
	handlerByID   map[string]*handlerSpec
	pending       *levels.Names // the level names of levelNames, not yet registered
}

// levelNameSpec is one entry of slogtree_levels: a custom level name.
type levelNameSpec struct {
	path string
	name string
	raw  any
}

// formatterSpec is one entry of the formatters section.
type formatterSpec struct {
	path     string
	id       string
	class    string         // the registered class name
	cls      FormatterClass // what it names
	classKey string         // "class" or "()"
	factory  bool           // named with "()": unknown keyword arguments are errors
	args     map[string]any

	built   formatters.Formatter // set by validate
	builtin bool                 // one of slogtree's formatter classes
}

// filterSpec is one entry of the filters section.
type filterSpec struct {
	path  string
	id    string
	class string      // "" for Python's logging.Filter(name)
	cls   FilterClass // what class names
	args  map[string]any

	built   filters.Filter // set by validate
	builtin bool           // Python's logging.Filter or one of slogtree's filter classes
}

// ref is a reference by id to a formatter, filter or handler, with the
// path where it is written ("loggers.app.handlers[1]").
type ref struct {
	path string
	id   string
	raw  any // as written, for messages
}

// handlerSpec is one entry of the handlers section.
type handlerSpec struct {
	path      string
	id        string
	className string
	classKey  string        // "class" or "()"
	class     *HandlerClass // nil when the name is unknown (reported)
	levelRaw  any           // nil when absent
	formatter *ref          // nil when absent
	filters   []ref
	props     map[string]any // the "." entry, not converted
	args      map[string]any // the keyword arguments, converted
	refs      []ref          // the handlers named by the class's Refs, in order

	// Set by validate.
	level    levels.Level
	fmt      *formatterSpec // nil: the default formatter
	filts    []filters.Filter
	filtInfo []TreeFilter // the filters as a snapshot shows them
	plan     *classPlan   // what building does, for slogtree's own classes
	// trusted: the class, the formatter and every filter are slogtree's
	// own, so the handler object calls them without a recover.
	trusted bool
}

// loggerSpec is the configuration of one logger, or of root.
type loggerSpec struct {
	path      string
	name      string
	levelRaw  any // nil when absent
	propagate *bool
	handlers  []ref // nil when absent
	filters   []ref // nil when absent

	// Set by validate.
	level    *levels.Level
	hs       []*handlerSpec
	filts    []filters.Filter
	filtInfo []TreeFilter // the filters as a snapshot shows them
}
