# popgate: one static binary on an empty base image.
#   docker build -t popgate . && docker run -p 8080:8080 popgate --demo
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Generated templ code is committed, so no templ CLI is needed here.
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/popgate ./cmd/popgate

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /usr/local/go/lib/time/zoneinfo.zip /zoneinfo.zip
ENV ZONEINFO=/zoneinfo.zip
COPY --from=build /out/popgate /popgate
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/popgate"]
