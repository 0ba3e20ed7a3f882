package main

import (
	"bytes"
	"debug/elf"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// The manifests hold what a careful cluster wants: two replicas, probes on
// /healthz and /readyz, requests and limits, a read-only root filesystem, a
// non-root user, no privilege escalation. No cluster is at hand, so they are
// checked as data.
func TestKubernetesManifests(t *testing.T) {
	raw, err := os.ReadFile("deploy/kubernetes/authdebug.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	kinds := map[string]map[string]any{}
	for {
		var doc map[string]any
		if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		kinds[doc["kind"].(string)] = doc
	}
	get := func(v any, path ...any) any {
		for _, p := range path {
			switch k := p.(type) {
			case string:
				m, _ := v.(map[string]any)
				v = m[k]
			case int:
				l, _ := v.([]any)
				if k >= len(l) {
					return nil
				}
				v = l[k]
			}
		}
		return v
	}
	d := kinds["Deployment"]
	c := get(d, "spec", "template", "spec", "containers", 0)
	for _, check := range []struct {
		what string
		got  any
		want any
	}{
		{"replicas", get(d, "spec", "replicas"), 2},
		{"readiness probe", get(c, "readinessProbe", "httpGet", "path"), "/readyz"},
		{"liveness probe", get(c, "livenessProbe", "httpGet", "path"), "/healthz"},
		{"read-only root", get(c, "securityContext", "readOnlyRootFilesystem"), true},
		{"no privilege escalation", get(c, "securityContext", "allowPrivilegeEscalation"), false},
		{"non-root", get(d, "spec", "template", "spec", "securityContext", "runAsNonRoot"), true},
		{"memory request", get(c, "resources", "requests", "memory") != nil, true},
		{"memory limit", get(c, "resources", "limits", "memory") != nil, true},
		{"cpu limit", get(c, "resources", "limits", "cpu") != nil, true},
		{"config", get(kinds["ConfigMap"], "data", "AUTHDEBUG_PUBLIC_URL") != nil, true},
		{"service", get(kinds["Service"], "spec", "selector", "app"), "authdebug"},
		// Replicas share the sandbox: one store, one key.
		{"store from the secret", get(kinds["Secret"], "stringData", "AUTHDEBUG_SANDBOX_STORE") != nil, true},
		{"secret read", get(c, "envFrom", 1, "secretRef", "name"), "authdebug"},
		{"key mounted", get(c, "volumeMounts", 0, "mountPath"), "/run/secrets/authdebug"},
		{"key from a secret", get(d, "spec", "template", "spec", "volumes", 0, "secret", "secretName"), "authdebug-sandbox-key"},
		{"key file", get(kinds["ConfigMap"], "data", "AUTHDEBUG_SANDBOX_KEY_FILE"), "/run/secrets/authdebug/sandbox-key.pem"},
	} {
		if check.got != check.want {
			t.Errorf("%s: %v, want %v", check.what, check.got, check.want)
		}
	}
}

// buildStatic builds the server as make image does: static, CGO off.
func buildStatic(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "authdebug")
	build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// freeAddr is a loopback address no one listens on (for a moment).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// The image's filesystem is a static binary and the CA certificates: the
// binary, built as make image builds it, has no dynamic loader, and runs as
// the image's user, configured from the environment as the manifests do.
func TestImageBinaryRunsAlone(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildStatic(t)
	dir := filepath.Dir(bin)
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Fatal("the binary needs a dynamic loader: it cannot run FROM scratch")
		}
	}
	f.Close()
	os.Chmod(filepath.Dir(dir), 0o755) // the image's user must reach the binary
	os.Chmod(dir, 0o755)
	addr := freeAddr(t)
	cmd := exec.Command(bin)
	cmd.Dir = "/"
	cmd.Env = []string{"AUTHDEBUG_ADDR=" + addr, "AUTHDEBUG_LOG_FORMAT=json"}
	if os.Getuid() == 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65532, Gid: 65532}}
	}
	var logs bytes.Buffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	for range 100 {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("/healthz = %d", resp.StatusCode)
			}
			if !strings.Contains(logs.String(), `"msg":"authdebug is serving"`) {
				t.Errorf("no JSON log line: %s", logs.String())
			}
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("the binary does not serve:\n%s", logs.String())
}
