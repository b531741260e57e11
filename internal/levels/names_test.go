package levels

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Registered names are printed by Name and SlogName and read back by
// ParseName. The levels used here are outside those of the other tests,
// as the registry is global.
func TestRegisterName(t *testing.T) {
	t.Parallel()
	require.NoError(t, RegisterName("Chatty", 101))
	require.NoError(t, RegisterName("Chatty", 101), "registering the same pair again")
	require.NoError(t, RegisterName("Loud", 103))

	assert.Equal(t, "Chatty", Name(101))
	assert.Equal(t, "Chatty", SlogName(101), "a registered name wins over CRITICAL+N")
	assert.Equal(t, "Level 275", Name(102), "an unregistered neighbour")

	for _, tt := range []struct {
		give string
		want slog.Level
	}{
		{give: "Chatty", want: 101},
		{give: "CHATTY", want: 101},
		{give: " chatty ", want: 101},
		{give: "chatty+1", want: 102},
		{give: "LOUD-2", want: 101},
	} {
		got, err := ParseName(tt.give)
		require.NoError(t, err, tt.give)
		assert.Equal(t, Level{Slog: tt.want}, got, "ParseName(%q)", tt.give)
	}

	// A second name for a level replaces the printed one; both parse.
	require.NoError(t, RegisterName("Shout", 103))
	assert.Equal(t, "Shout", Name(103))
	got, err := Parse("loud")
	require.NoError(t, err)
	assert.Equal(t, Level{Slog: 103}, got)
}

func TestRegisterNameErrors(t *testing.T) {
	t.Parallel()
	require.NoError(t, RegisterName("Taken", 111))
	tests := []struct {
		name string
		give string
		want string
	}{
		{name: "empty", give: "", want: `invalid level name "": want a word without spaces, '+' or '-'`},
		{name: "space", give: "MY LEVEL", want: `invalid level name "MY LEVEL": want a word without spaces, '+' or '-'`},
		{name: "plus", give: "A+B", want: `invalid level name "A+B": want a word without spaces, '+' or '-'`},
		{name: "standard", give: "warn", want: `level name "warn" is a standard level name`},
		{name: "taken", give: "TAKEN", want: `level name "TAKEN" is already registered for level Taken`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.EqualError(t, RegisterName(tt.give, 112), tt.want)
		})
	}
	assert.Equal(t, "Level 300", Name(112), "a refused name is not registered")
}

// TestRegisterManyNames registers thousands of names, one at a time and in
// batches, so that the registry merges its recent names into its large map
// many times: every name still prints and parses, and a later name for a
// level still replaces the printed one. The levels (from 100,000 up) are
// used by no other test.
func TestRegisterManyNames(t *testing.T) {
	t.Parallel()
	const base, n = 100_000, 5_000
	name := func(i int) string { return fmt.Sprintf("many%d", i) }
	for i := range n / 2 {
		require.NoError(t, RegisterName(name(i), base+slog.Level(i)))
	}
	var batch Names
	for i := n / 2; i < n; i++ {
		require.NoError(t, batch.Add(name(i), base+slog.Level(i)))
	}
	require.NoError(t, Register(&batch))
	for i := range n {
		l := base + slog.Level(i)
		assert.Equal(t, name(i), Name(l))
		got, err := ParseName(strings.ToUpper(name(i)) + "+1")
		require.NoError(t, err)
		assert.Equal(t, l+1, got.Slog)
	}
	require.NoError(t, RegisterName("manyRenamed", base))
	assert.Equal(t, "manyRenamed", Name(base))
	got, err := ParseName(name(0))
	require.NoError(t, err, "the earlier name still parses")
	assert.Equal(t, slog.Level(base), got.Slog)
}

// TestNamesBeforeRegistering checks the names of a configuration being
// checked: they parse through ParseWith, conflicts with registered names
// and with each other are found without registering anything, and
// Register takes all or none.
func TestNamesBeforeRegistering(t *testing.T) {
	t.Parallel()
	var pending Names
	require.NoError(t, pending.Add("PendingOne", 90_001))
	require.NoError(t, pending.Add("pendingone", 90_001), "the same name for the same level again")
	assert.ErrorContains(t, pending.Add("PENDINGONE", 90_002), "given twice")
	assert.ErrorContains(t, pending.Add("debug", 90_003), "standard level name")
	got, err := ParseWith("pendingOne+2", &pending)
	require.NoError(t, err)
	assert.Equal(t, slog.Level(90_003), got.Slog)
	_, err = ParseName("PendingOne")
	assert.ErrorContains(t, err, "unknown level", "not registered until Register")
	assert.Equal(t, "Level 225022", Name(90_001))

	require.NoError(t, RegisterName("PendingTaken", 90_010))
	var clash Names
	require.NoError(t, clash.Add("PendingFree", 90_011))
	assert.ErrorContains(t, clash.Add("PendingTaken", 90_012), "already registered")

	// A name taken for another level between Add and Register refuses the
	// whole batch.
	var late Names
	require.NoError(t, late.Add("PendingLateA", 90_020))
	require.NoError(t, late.Add("PendingLateB", 90_021))
	require.NoError(t, RegisterName("PendingLateB", 90_022))
	assert.ErrorContains(t, Register(&late), "already registered")
	_, err = ParseName("PendingLateA")
	assert.Error(t, err, "nothing of a refused batch is registered")

	require.NoError(t, Register(&pending))
	assert.Equal(t, "PendingOne", Name(90_001))
}

// TestNamesNameAndClone checks the reverse lookup of a set of pending
// names (the last name added for a level is its name) and that a clone is
// independent of the set it came from.
func TestNamesNameAndClone(t *testing.T) {
	t.Parallel()
	var nilNames *Names
	_, ok := nilNames.Name(90_101)
	assert.False(t, ok, "a nil set names nothing")
	assert.Equal(t, 0, nilNames.Clone().Len())

	var n Names
	require.NoError(t, n.Add("CloneFirst", 90_101))
	require.NoError(t, n.Add("CloneSecond", 90_101))
	require.NoError(t, n.Add("CloneOther", 90_102))
	name, ok := n.Name(90_101)
	assert.True(t, ok)
	assert.Equal(t, "CloneSecond", name, "the last name added for a level")
	_, ok = n.Name(90_103)
	assert.False(t, ok)

	c := n.Clone()
	require.NoError(t, c.Add("CloneThird", 90_103))
	_, ok = n.Name(90_103)
	assert.False(t, ok, "adding to the clone leaves the original alone")
	name, ok = c.Name(90_102)
	assert.True(t, ok)
	assert.Equal(t, "CloneOther", name)
	assert.Equal(t, 3, n.Len())
	assert.Equal(t, 4, c.Len())
}

// BenchmarkRegisterNames registers 8,000 new names one at a time, and in
// one batch, as a configuration's slogtree_levels are: both cost time in
// proportion to the names, not to the names registered before them.
func BenchmarkRegisterNames(b *testing.B) {
	const n = 8000
	run := 0
	b.Run("one_at_a_time", func(b *testing.B) {
		for b.Loop() {
			run++
			for i := range n {
				if err := RegisterName(fmt.Sprintf("bench%dn%d", run, i), slog.Level(1_000_000+run*n+i)); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("batch", func(b *testing.B) {
		for b.Loop() {
			run++
			var names Names
			for i := range n {
				if err := names.Add(fmt.Sprintf("bench%dn%d", run, i), slog.Level(1_000_000+run*n+i)); err != nil {
					b.Fatal(err)
				}
			}
			if err := Register(&names); err != nil {
				b.Fatal(err)
			}
		}
	})
}
