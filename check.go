package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"time"

	"authdebug/app/check"
	"authdebug/app/flow"
	"authdebug/app/guard"
	"authdebug/app/ngi"
	"authdebug/app/relay"
	"authdebug/app/sandbox"
)

// checkOrigin is where the check's in-process relay and sandbox say they
// are; nothing listens there.
const checkOrigin = "http://authdebug-check.localhost"

// runCheck is `authdebug check`: the relay that serves the page carries the
// check's calls too, in-process, with the sandbox built in, so that the
// page and CI apply the same code.
func runCheck(args []string, stdout, stderr io.Writer) int {
	sb, err := sandbox.New(sandbox.Config{Origin: checkOrigin})
	if err != nil {
		fmt.Fprintf(stderr, "authdebug check: %v\n", err)
		return check.ExitUsage
	}
	deps := check.Deps{
		Environments: func(envFlags []string) ([]ngi.Environment, error) {
			all := []ngi.Environment{sb.Environment(), ngi.Preprod(), ngi.Prod()}
			for _, f := range envFlags {
				e, err := parseEnvFlag(f)
				if err != nil {
					return nil, err
				}
				all = append(all, e)
			}
			return environments(all, nil)
		},
		Relay: func(envs []ngi.Environment) check.Relay {
			site, _ := guard.ParseSite(checkOrigin)
			return handlerRelay{relay.New(envs, relay.Options{
				Transports: map[string]http.RoundTripper{ngi.SandboxID: relay.HandlerTransport{Handler: sb}},
				Timeout:    20 * time.Second, Logger: slog.New(slog.DiscardHandler), Site: site,
			})}
		},
	}
	return check.Main(args, os.Getenv, stdout, stderr, deps)
}

// handlerRelay calls the relay's handler as the page calls it over HTTP.
type handlerRelay struct{ h http.Handler }

func (r handlerRelay) Get(what, env string) (flow.RelayResult, error) {
	return r.do(httptest.NewRequest("GET", checkOrigin+"/api/"+what+"?env="+url.QueryEscape(env), nil))
}

func (r handlerRelay) Post(path string, body any) (flow.RelayResult, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return flow.RelayResult{}, err
	}
	req := httptest.NewRequest("POST", checkOrigin+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", checkOrigin)
	return r.do(req)
}

func (r handlerRelay) do(req *http.Request) (flow.RelayResult, error) {
	w := httptest.NewRecorder()
	r.h.ServeHTTP(w, req)
	var res flow.RelayResult
	if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil {
		return res, fmt.Errorf("the relay answered %d: %.200s", w.Code, w.Body.String())
	}
	return res, nil
}
