package main

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"debug/elf"
	"encoding/pem"
	"errors"
	"fmt"
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
		// The proxy proves itself; the probes have their own listener.
		{"proxy secret", get(kinds["ConfigMap"], "data", "AUTHDEBUG_AUTH_PROXY_SECRET_FILE") != nil, true},
		{"groups header named", get(kinds["ConfigMap"], "data", "AUTHDEBUG_AUTH_PROXY_GROUPS_HEADER"), "X-Auth-Request-Groups"},
		{"probe listener", get(c, "readinessProbe", "httpGet", "port"), "probe"},
		{"image tag", strings.HasSuffix(get(c, "image").(string), ":latest") || !strings.Contains(get(c, "image").(string), ":"), false},
		{"network policy", get(kinds["NetworkPolicy"], "spec", "ingress", 0, "from", 0, "namespaceSelector") != nil, true},
		{"network policy egress", get(kinds["NetworkPolicy"], "spec", "policyTypes", 1), "Egress"},
		{"disruption budget", get(kinds["PodDisruptionBudget"], "spec", "minAvailable"), 1},
		{"ingress sets the proxy's headers", strings.Contains(fmt.Sprint(get(kinds["Ingress"], "metadata", "annotations", "nginx.ingress.kubernetes.io/auth-response-headers")), "X-Authdebug-Proxy-Secret"), true},
	} {
		if check.got != check.want {
			t.Errorf("%s: %v, want %v", check.what, check.got, check.want)
		}
	}
}

// The manifest starts: its secrets are mounted as Kubernetes mounts them
// (root-owned, the pod's fsGroup as group, the volume's defaultMode), and
// the binary runs as the pod's user with the fsGroup as a supplementary
// group. Without fsGroup, user 65532 cannot read a 0440 key: the binary
// exits "permission denied" and the pod loops.
func TestManifestStartsAsItsUser(t *testing.T) {
	if testing.Short() || os.Getuid() != 0 {
		t.Skip("needs root to mount files as Kubernetes does and to run as another user")
	}
	raw, _ := os.ReadFile("deploy/kubernetes/authdebug.yaml")
	var pod struct {
		Spec struct {
			Template struct {
				Spec struct {
					SecurityContext struct {
						RunAsUser  uint32 `yaml:"runAsUser"`
						RunAsGroup uint32 `yaml:"runAsGroup"`
						FSGroup    uint32 `yaml:"fsGroup"`
					} `yaml:"securityContext"`
					Volumes []struct {
						Secret struct {
							DefaultMode uint32 `yaml:"defaultMode"`
						} `yaml:"secret"`
					} `yaml:"volumes"`
				} `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	for {
		var doc map[string]any
		if err := dec.Decode(&doc); err != nil {
			t.Fatal("no Deployment")
		}
		if doc["kind"] == "Deployment" {
			b, _ := yaml.Marshal(doc)
			yaml.Unmarshal(b, &pod)
			break
		}
	}
	sc := pod.Spec.Template.Spec.SecurityContext
	if sc.RunAsUser == 0 || len(pod.Spec.Template.Spec.Volumes) < 2 {
		t.Fatalf("the Deployment's pod is not read: %+v", pod)
	}
	bin := buildStatic(t)
	os.Chmod(filepath.Dir(filepath.Dir(bin)), 0o755)
	os.Chmod(filepath.Dir(bin), 0o755)
	secrets := t.TempDir()
	os.Chmod(secrets, 0o755)
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	keyFile := filepath.Join(secrets, "sandbox-key.pem")
	proxyFile := filepath.Join(secrets, "proxy-secret")
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600)
	os.WriteFile(proxyFile, []byte("s3cret-of-the-proxy\n"), 0o600)
	for i, f := range []string{keyFile, proxyFile} {
		os.Chown(f, 0, int(sc.FSGroup))
		os.Chmod(f, os.FileMode(pod.Spec.Template.Spec.Volumes[i].Secret.DefaultMode))
	}
	addr := freeAddr(t)
	cmd := exec.Command(bin)
	cmd.Dir = "/"
	cmd.Env = []string{"AUTHDEBUG_ADDR=" + addr, "AUTHDEBUG_SANDBOX_KEY_FILE=" + keyFile, "AUTHDEBUG_AUTH_PROXY_SECRET_FILE=" + proxyFile,
		"AUTHDEBUG_AUTH_PROXY_HEADER=X-Auth-Request-Email", "AUTHDEBUG_TRUSTED_PROXY=10.0.0.0/8"}
	cred := &syscall.Credential{Uid: sc.RunAsUser, Gid: sc.RunAsGroup}
	if sc.FSGroup != 0 {
		cred.Groups = []uint32{sc.FSGroup}
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	logs := &syncBuffer{} // written by the pipe's copier while the test reads it
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer cmd.Process.Kill()
	for range 100 {
		select {
		case err := <-exited:
			t.Fatalf("the binary exited (%v):\n%s", err, logs.String())
		default:
		}
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("the binary does not serve:\n%s", logs.String())
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
	logs := &syncBuffer{} // written by the pipe's copier while the test reads it
	cmd.Stderr = logs
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
			// The line reaches the pipe before the first answer, and
			// this buffer a moment later.
			for range 50 {
				if strings.Contains(logs.String(), `"msg":"authdebug is serving"`) {
					return
				}
				time.Sleep(40 * time.Millisecond)
			}
			t.Errorf("no JSON log line: %s", logs.String())
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("the binary does not serve:\n%s", logs.String())
}
