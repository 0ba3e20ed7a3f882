package relay

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

// BenchmarkRelayOverhead measures what the relay adds to a token call: the
// same loopback upstream called directly and through the relay, with the
// ratio reported as relay/direct.
func BenchmarkRelayOverhead(b *testing.B) {
	up := newUpstream(b, okToken)
	relay, _ := newRelay(b, up.URL, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	body := tokenBody("s3cret", map[string]string{"grant_type": "client_credentials", "audience": "https://api-preprod.norskgjeld.no/v1/debt", "scope": "debt.unsecured.presentation"})
	form := "audience=x&grant_type=client_credentials&scope=y"
	client := &http.Client{Transport: fromPage{&http.Transport{MaxIdleConnsPerHost: 64}}}

	direct := func() {
		req, _ := http.NewRequest("POST", up.URL+"/oauth2/token", strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("c", "s")
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	relayed := func() {
		resp, err := client.Post(relay.URL+"/api/token", "application/json", strings.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("relay answered %d", resp.StatusCode)
		}
	}
	measure := func(f func()) time.Duration {
		start := time.Now()
		for i := 0; i < b.N; i++ {
			f()
		}
		return time.Since(start)
	}
	direct()
	relayed()
	b.ResetTimer()
	d := measure(direct)
	r := measure(relayed)
	b.ReportMetric(float64(d.Microseconds())/float64(b.N), "direct-µs/op")
	b.ReportMetric(float64(r.Microseconds())/float64(b.N), "relay-µs/op")
	b.ReportMetric(float64(r-d)/float64(b.N)/1000, "added-µs/op")
	b.ReportMetric(float64(r)/float64(d), "ratio")
	b.ReportMetric(float64(b.N)/r.Seconds(), "relayed-calls/s")
}
