# authdebug: `make run` starts the tool on the built-in sandbox; `make test` runs every test.
GO     ?= go
ADDR   ?= 127.0.0.1:8000
WASM   := web/app.wasm
# The release: a tag, or the commit; stamped into the binary (-version,
# authdebug_build_info, the page's version) and the image's tag.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
AXE_VERSION := 4.14.1
AXE    := .tools/node_modules/axe-core/axe.min.js
SOURCES := $(shell find app wasm tools -name '*.go' -not -name '*_test.go') go.mod go.sum

.PHONY: build run check test vet unit fuzz browser chromium redis size bench screenshots mutation image clean

# The wasm, then its brotli and gzip copies, which the server sends as they are.
$(WASM): $(SOURCES)
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags="-s -w" -o $@ ./wasm
	$(GO) run ./tools/precompress $@

# bin/authdebug embeds web/ (app.wasm included): the binary alone is the deployable.
build: $(WASM)
	$(GO) build -trimpath -ldflags="$(LDFLAGS)" -o bin/authdebug .

run: build
	./bin/authdebug -addr $(ADDR) $(ARGS)

# authdebug check with the default plan: the built-in sandbox, offline.
check: build
	./bin/authdebug check

test: vet unit fuzz browser

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted" >&2; exit 1; fi
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet ./app/ngi ./app/flow ./app/token ./app/record ./app/ui ./wasm

# The sandbox's Redis store is tested against Debian's redis-server.
unit: redis
	$(GO) test -race -count=1 ./app/...

# Short runs of the fuzz tests: the callback reader and the relay's request decoder.
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzReadCallback$$' -fuzztime 10s ./app/flow
	$(GO) test -run '^$$' -fuzz '^FuzzRelayDecode$$' -fuzztime 10s ./app/relay

# Server and browser tests (package main): they need the built wasm, Chromium
# and axe-core (npm) for the accessibility check.
browser: $(WASM) chromium redis $(AXE)
	$(GO) test -count=1 -timeout 20m .

# axe-core, pinned, under a dot-folder so that go's ./... never walks it.
$(AXE):
	@command -v npm >/dev/null 2>&1 || { echo "npm is missing: install Debian's npm package (apt-get install npm)" >&2; exit 1; }
	npm install --prefix .tools --no-save --no-audit --no-fund axe-core@$(AXE_VERSION)

# The README's screenshots, taken by the browser tests.
screenshots: $(WASM) chromium $(AXE)
	AUTHDEBUG_SCREENSHOTS=1 $(GO) test -count=1 -run 'TestBrowser(AuthorizeBuilds|SandboxFullFlow|Accessibility|CallReadsTheDebtOnce|FitsAPhone|TimelineRecordsTheRun)' .

chromium:
	@if command -v chromium >/dev/null 2>&1; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Chromium is missing: installing Debian's chromium package"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; \
	else \
		echo "Chromium is missing. Install Debian's package:  sudo apt-get install --no-install-recommends chromium" >&2; \
		exit 1; \
	fi

redis:
	@if command -v redis-server >/dev/null 2>&1; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "redis-server is missing: installing Debian's redis-server package"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server; \
	else \
		echo "redis-server is missing. Install Debian's package:  sudo apt-get install --no-install-recommends redis-server" >&2; \
		exit 1; \
	fi

# app.wasm's raw, gzip and brotli sizes against the 2.0 MB brotli budget, and
# how many net/http functions the browser code links (only package init is expected).
size: $(WASM)
	@br=$$(wc -c < $(WASM).br); \
	echo "app.wasm: raw $$(wc -c < $(WASM)) bytes, gzip $$(wc -c < $(WASM).gz) bytes, brotli $$br bytes (budget 2000000 brotli: $$( [ $$br -le 2000000 ] && echo within || echo OVER ))"
	@GOOS=js GOARCH=wasm $(GO) build -o /tmp/authdebug-names.wasm ./wasm
	@echo "net/http functions linked into the wasm: $$(grep -ao 'net/http\.[A-Za-z0-9_.()*]*' /tmp/authdebug-names.wasm | sort -u | grep -vc '^net/http\.init') (besides package init)"

# The relay's added latency and throughput against calling the upstream
# directly, and the page's load time to a mounted wasm in Chromium.
bench: size chromium
	$(GO) test -run '^$$' -bench . -benchmem ./app/relay
	$(GO) test -run '^$$' -bench PageLoad -benchtime 10x .
	$(GO) test -run '^$$' -bench FirstLoad -benchtime 1x -timeout 20m .

# Disables each rule of flow in turn and lists those no test notices (a few minutes).
# tools/mutate edits the files it mutates: run it on a copy, never in the
# tree you are committing from.
mutation:
	rm -rf .mutation && git worktree add --detach .mutation HEAD
	cd .mutation && $(GO) run ./tools/mutate ./app/flow; status=$$?; cd .. && git worktree remove --force .mutation; exit $$status

# The image (Containerfile): a static binary and the CA certificates, built
# with podman, or docker when podman is missing, tagged with the version.
image: $(WASM)
	mkdir -p bin/image
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags="-s -w $(LDFLAGS)" -o bin/image/authdebug .
	cp /etc/ssl/certs/ca-certificates.crt bin/image/
	cp Containerfile bin/image/
	@engine=$$(command -v podman || command -v docker) || { echo "podman or docker is needed to build the image" >&2; exit 1; }; \
	$$engine build -f bin/image/Containerfile -t authdebug:$(VERSION) bin/image

clean:
	rm -rf bin $(WASM) $(WASM).br $(WASM).gz
