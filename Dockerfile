# spanhouse worker image: a Debian bookworm build stage (the same apt packages as
# scripts/install-deps.sh, minus the test-only ones) and a slim runtime stage holding the
# binary, the load generator, schema/, views/ and the pricing/tenant files. Runs as a
# non-root user. Build: `docker build -t spanhouse:dev .` (docker-compose.yml does this).
FROM debian:12.8-slim AS build
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update -q \
 && apt-get install -y -q --no-install-recommends \
      build-essential pkg-config librdkafka-dev libcurl4-openssl-dev libinih-dev \
      libmicrohttpd-dev libjansson-dev libzstd-dev liblz4-dev zlib1g-dev libxxhash-dev ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Makefile ./
COPY ingest/ ingest/
COPY bench/ bench/
# The worker, and the load generator when it is in the tree (tools/loadgen.c).
RUN make -j"$(nproc)" build/spanhouse \
 && if [ -f tools/loadgen.c ]; then make build/tools/loadgen; fi \
 && mkdir -p /out && cp build/spanhouse /out/ \
 && if [ -f build/tools/loadgen ]; then cp build/tools/loadgen /out/spanhouse-loadgen; fi

FROM debian:12.8-slim AS runtime
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update -q \
 && apt-get install -y -q --no-install-recommends \
      librdkafka1 libcurl4 libinih1 libmicrohttpd12 libjansson4 libzstd1 liblz4-1 zlib1g ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 spanhouse \
 && useradd --system --uid 10001 --gid spanhouse --home-dir /opt/spanhouse --shell /usr/sbin/nologin spanhouse
COPY --from=build /out/ /usr/local/bin/
WORKDIR /opt/spanhouse
COPY schema/ schema/
COPY views/ views/
COPY ops/spanhouse.example.ini /etc/spanhouse/spanhouse.ini
USER spanhouse:spanhouse
EXPOSE 9187
HEALTHCHECK --interval=10s --timeout=3s --retries=6 CMD curl -fsS http://127.0.0.1:9187/healthz || exit 1
ENTRYPOINT ["/usr/local/bin/spanhouse"]
CMD ["run", "--config", "/etc/spanhouse/spanhouse.ini"]
