// Package redistest starts a real redis-server for a test: Debian's
// package, on a unix socket in a temporary folder, keeping nothing on disk.
package redistest

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// Start runs a redis-server until the test ends and returns its URL. Outside
// CI a missing redis-server skips the test; in CI it fails it.
func Start(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("redis-server is missing: install Debian's package (apt-get install redis-server); make test does it when run as root")
		}
		t.Skip("redis-server is missing: install it with apt-get install redis-server to run the Redis tests")
	}
	// Not t.TempDir(): a socket's path must stay under 108 bytes.
	dir, err := os.MkdirTemp("", "redistest")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	socket := filepath.Join(dir, "redis.sock")
	var out bytes.Buffer
	cmd := exec.Command(path, "--port", "0", "--unixsocket", socket, "--dir", dir,
		"--save", "", "--appendonly", "no", "--daemonize", "no")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("unix", socket); err == nil {
			c.Close()
			return "unix://" + socket
		}
	}
	t.Fatalf("redis-server did not start: %s", out.String())
	return ""
}
