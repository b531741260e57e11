package handlers

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWatchedReopens(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give func(path string) error // what logrotate does between two writes
		want map[string]string       // file suffix → content
	}{
		{
			name: "moved",
			give: func(path string) error { return os.Rename(path, path+".1") },
			want: map[string]string{"": "after\n", ".1": "before\n"},
		},
		{
			name: "removed",
			give: os.Remove,
			want: map[string]string{"": "after\n"},
		},
		{
			name: "replaced",
			give: func(path string) error {
				if err := os.Rename(path, path+".1"); err != nil {
					return err
				}
				return os.WriteFile(path, []byte("new\n"), 0o644)
			},
			want: map[string]string{"": "new\nafter\n", ".1": "before\n"},
		},
		{
			name: "left alone",
			give: func(string) error { return nil },
			want: map[string]string{"": "before\nafter\n"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "w.log")
			f, err := OpenWatched(path, nil)
			require.NoError(t, err)
			_, err = f.Write([]byte("before\n"))
			require.NoError(t, err)
			require.NoError(t, tt.give(path))
			_, err = f.Write([]byte("after\n"))
			require.NoError(t, err)
			require.NoError(t, f.Close())
			for suffix, want := range tt.want {
				data, err := os.ReadFile(path + suffix)
				require.NoError(t, err)
				assert.Equal(t, want, string(data), "w.log%s", suffix)
			}
		})
	}
}

func TestWatchedModes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give WatchedOptions
		want string
	}{
		{name: "append", give: WatchedOptions{}, want: "old\nx\n"},
		{name: "truncate", give: WatchedOptions{Mode: "w"}, want: "x\n"},
		{name: "delay", give: WatchedOptions{Delay: true}, want: "old\nx\n"},
		{name: "terminator", give: WatchedOptions{Terminator: ";"}, want: "old\nx;"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "m.log")
			require.NoError(t, os.WriteFile(path, []byte("old\n"), 0o644))
			f, err := OpenWatched(path, &tt.give)
			require.NoError(t, err)
			_, err = f.Write([]byte("x\n"))
			require.NoError(t, err)
			require.NoError(t, f.Close())
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(data))
		})
	}
}

func TestWatchedSharedAndClosed(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "s.log")
	a, err := OpenWatched(path, nil)
	require.NoError(t, err)
	b, err := OpenWatched(path, nil)
	require.NoError(t, err)
	require.Same(t, a.h.s, b.h.s, "one open file per path")
	require.NoError(t, a.Close())
	_, err = b.Write([]byte("still open\n"))
	require.NoError(t, err)
	require.NoError(t, b.Close())
	_, err = b.Write([]byte("late\n"))
	assert.ErrorIs(t, err, ErrClosed)

	_, err = OpenWatched(filepath.Join(t.TempDir(), "no", "dir.log"), nil)
	assert.True(t, os.IsNotExist(err), "got %v", err)
}

// Opening and closing more handles on a path while another handle writes
// to it must not race with the writes, and loses none of them.
func TestWatchedOpenWhileWriting(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "w.log")
	f, err := OpenWatched(path, nil)
	require.NoError(t, err)
	const n = 500
	done := make(chan error, 1)
	go func() {
		for range n {
			if _, err := f.Write([]byte("x\n")); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for range 200 {
		g, err := OpenWatched(path, nil)
		require.NoError(t, err)
		require.NoError(t, g.Close())
	}
	require.NoError(t, <-done)
	require.NoError(t, f.Close())
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, n*2, len(data), "every write is in the file")
}
