package levels

import (
	"log/slog"
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
