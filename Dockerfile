# Gatehouse: one static binary on distroless, running as a non-root user.
#
#   docker build -t gatehouse:0.1.0 .
#
# The tag is VERSION below (what `gatehouse version` prints, with the commit
# when .git is in the build context); deploy/kubernetes and the compose file
# refer to gatehouse:0.1.0. For a registry:
#   docker build --build-arg VERSION=0.1.1 -t registry.example.com/gatehouse:0.1.1 .
FROM golang:1.26 AS build
ARG VERSION=0.1.0
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -buildvcs=auto -trimpath \
      -ldflags "-s -w -X github.com/gatehouse/gatehouse/internal/app.Version=${VERSION}" \
      -o /gatehouse ./cmd/gatehouse

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /gatehouse /gatehouse
# distroless's nonroot, by number, so that runAsNonRoot can verify it.
USER 65532:65532
EXPOSE 8080 9464
ENTRYPOINT ["/gatehouse"]
