# syntax=docker/dockerfile:1.7
#
# health-certification: one image holding the `healthcert` binary, which is every deployable:
#   healthcert api | worker | migrate | dev | token | ops history
#
#   docker build -t health-certification:7.1.0 .
#   docker run --rm health-certification:7.1.0 --help
#
# Needs BuildKit (Docker's default builder since 23.0) for the cache mounts. The runtime image
# has no HEALTHCHECK (it has no curl); docker-compose.yml probes GET /health/ready with bash.
# Migrations are embedded in the binary (`healthcert migrate`); nothing else is copied in.

ARG RUST_VERSION=1.95
ARG DEBIAN_SUITE=bookworm

# ---------------------------------------------------------------------------- build
FROM rust:${RUST_VERSION}-${DEBIAN_SUITE} AS builder

# rdkafka-sys builds librdkafka from source: its mklove ./configure and make with a C/C++
# toolchain, python3 (version detection, the linker-script generator lds-gen.py) and perl, and
# links zlib found through pkg-config. No OpenSSL, no cmake, no protoc: TLS is rustls, and the
# Temporal client compiles its protobufs with a vendored compiler.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential \
      perl \
      pkg-config \
      python3 \
      zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*

ENV CARGO_TERM_COLOR=never \
    CARGO_NET_RETRY=5

WORKDIR /src
COPY . .

# The registry and the target directory live in cache mounts, so a rebuild recompiles only
# what changed; the binary is copied out of the mount in the same step (the mount is not part
# of the image).
RUN --mount=type=cache,id=healthcert-cargo-registry,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,id=healthcert-cargo-git,target=/usr/local/cargo/git,sharing=locked \
    --mount=type=cache,id=healthcert-target,target=/src/target,sharing=locked \
    cargo build --release --locked -p healthcert --bin healthcert \
 && install -D -m 0755 target/release/healthcert /out/healthcert

# ---------------------------------------------------------------------------- runtime
FROM debian:${DEBIAN_SUITE}-slim AS runtime

ARG DEBIAN_SUITE
ARG VERSION=7.1.0
ARG REVISION=

LABEL org.opencontainers.image.title="health-certification" \
      org.opencontainers.image.description="Health Certification Service: HTTP API, Temporal worker and database migrations (healthcert)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="LicenseRef-Proprietary" \
      org.opencontainers.image.base.name="docker.io/library/debian:${DEBIAN_SUITE}-slim"

# The binary links only glibc, libgcc_s and libz (zlib1g, already in the base; listed so the
# dependency is explicit). ca-certificates for TLS to external services, tzdata for TZ.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates \
      tzdata \
      zlib1g \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 healthcert \
 && useradd --system --uid 10001 --gid healthcert \
      --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin healthcert

COPY --from=builder /out/healthcert /usr/local/bin/healthcert

# In a container the API must listen on every interface (the binary's default is 127.0.0.1).
ENV API_HOST=0.0.0.0 \
    API_PORT=8002 \
    TZ=UTC

USER 10001:10001
EXPOSE 8002

# SIGTERM: the API drains its connections, the worker finishes in-flight activities.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/healthcert"]
CMD ["api"]
