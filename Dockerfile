# torchfeed: multi-stage build. No Docker engine runs on the development machines, so every step here is a
# command the test suite already runs: .ci/setup (apt packages) and .ci/build (the jar and the native client).

# --- build: the server jar and the native client, exactly as .ci/test builds them
FROM debian:12 AS build
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      openjdk-17-jdk-headless maven ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN .ci/setup && .ci/build

# --- runtime: a JRE, the jar and the shipped model repository, as a non-root user
FROM debian:12-slim AS runtime
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      openjdk-17-jre-headless curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --create-home --home-dir /var/lib/torchfeed --shell /usr/sbin/nologin torchfeed
COPY --from=build /src/server/target/torchfeed.jar /opt/torchfeed/torchfeed.jar
COPY --from=build --chown=torchfeed:torchfeed /src/models /var/lib/torchfeed/models
USER torchfeed
WORKDIR /var/lib/torchfeed
EXPOSE 7070 7071
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD curl -fsS http://127.0.0.1:7071/healthz || exit 1
ENTRYPOINT ["java", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0", "-jar", "/opt/torchfeed/torchfeed.jar"]
CMD ["serve", "--models", "/var/lib/torchfeed/models", "--port", "7070", "--http-port", "7071"]

# --- the native client, for `docker build --target native-client`
FROM build AS native-client
ENTRYPOINT ["/src/native-client/build/torchfeed-client"]
