// Command precompress writes app.wasm.br and app.wasm.gz beside app.wasm, so
// the server can send them as they are, and prints the three sizes against
// the budget. Pure-Go brotli: no brotli program needs to be installed.
package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"time"

	"github.com/andybalholm/brotli"
)

// budget is the most app.wasm may weigh brotli-compressed.
const budget = 2_000_000

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: precompress web/app.wasm")
		os.Exit(2)
	}
	name := os.Args[1]
	raw, err := os.ReadFile(name)
	if err != nil {
		fmt.Fprintln(os.Stderr, "precompress:", err)
		os.Exit(1)
	}
	start := time.Now()
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write(raw)
	zw.Close()
	var br bytes.Buffer
	bw := brotli.NewWriterLevel(&br, brotli.BestCompression)
	bw.Write(raw)
	bw.Close()
	for ext, b := range map[string][]byte{".gz": gz.Bytes(), ".br": br.Bytes()} {
		if err := os.WriteFile(name+ext, b, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "precompress:", err)
			os.Exit(1)
		}
	}
	verdict := "within"
	if br.Len() > budget {
		verdict = "OVER"
	}
	fmt.Printf("%s: raw %d bytes, gzip -9 %d bytes, brotli -11 %d bytes (%s the %d-byte brotli budget; compressed in %s)\n",
		name, len(raw), gz.Len(), br.Len(), verdict, budget, time.Since(start).Round(time.Millisecond))
	if br.Len() > budget {
		os.Exit(1)
	}
}
