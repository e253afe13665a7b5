# popgate: one static binary on an empty base image.
#   docker build --build-arg VERSION=$(git describe --always) -t popgate .
#   docker run --read-only -p 8080:8080 popgate --demo
#
# The final stage takes from the build stage only what it lays out under
# /out, so CI (.ci/container) can build the same binary on the host and
# hand that folder in as the stage: podman build --build-context build=DIR.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# Static (no cgo), no local paths in the binary; generated templ code is
# committed, so no templ CLI is needed here. CA certificates for POP3 over
# TLS and time zone data come from this stage: scratch has neither.
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.version=${VERSION}" -o /out/popgate ./cmd/popgate \
 && mkdir -p /out/etc/ssl/certs \
 && cp /etc/ssl/certs/ca-certificates.crt /out/etc/ssl/certs/ca-certificates.crt \
 && cp /usr/local/go/lib/time/zoneinfo.zip /out/zoneinfo.zip

FROM scratch
COPY --from=build /out/etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/zoneinfo.zip /zoneinfo.zip
COPY --from=build /out/popgate /popgate
ENV ZONEINFO=/zoneinfo.zip
# Numeric, so no /etc/passwd is needed; popgate writes files only to
# POPGATE_DATA_DIR (a volume), so the root file system can be read-only.
USER 65532:65532
EXPOSE 8080
# No shell or curl in scratch: the binary probes its own /healthz, reading
# POPGATE_LISTEN and POPGATE_BASE_PATH like the server does. It starts in
# milliseconds, so no start period is needed.
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["/popgate", "healthcheck"]
ENTRYPOINT ["/popgate"]
