# torchfeed's container image (README, Container image). Built and run by .ci/image, which .ci/test runs.
#
#   docker build -t torchfeed .                              the server (the last stage, `runtime`)
#   docker build --target native-client -t torchfeed-client .   the C++ client instead
#
# Behind a proxy that inspects TLS, give the build your Java trust store, which the Maven step alone mounts (it is
# in no layer of the image): docker build --secret id=cacerts,src=/etc/ssl/certs/java/cacerts -t torchfeed .
# (buildah bud and podman build take the same --secret). RUN --mount needs BuildKit (Docker's default since 23.0).

# --- the C++ client: built without its tests, installed into /out
FROM debian:12 AS native-build
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      g++ make cmake libtorch-dev libssl-dev nlohmann-json3-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY native-client native-client
RUN cmake -S native-client -B build -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
      -DCMAKE_INSTALL_PREFIX=/usr/local \
 && cmake --build build -j"$(nproc)" \
 && DESTDIR=/out cmake --install build

# --- `--target native-client`: the client's command line, run as a non-root user (it links Debian's LibTorch)
FROM debian:12-slim AS native-client
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends libtorch1.13 libssl3 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 torchfeed \
 && useradd --system --uid 10001 --gid torchfeed --create-home --home-dir /home/torchfeed \
      --shell /usr/sbin/nologin torchfeed
COPY --from=native-build /out/usr/local/bin/torchfeed-client /usr/local/bin/
COPY --from=native-build /out/usr/local/libexec/torchfeed /usr/local/libexec/torchfeed
USER 10001:10001
WORKDIR /home/torchfeed
ENTRYPOINT ["torchfeed-client"]
CMD ["--help"]

# --- the server's jar, and nothing else: no test is run, no native code is built (.ci/build jar compiles the test
# classes, as the modules' test-jar dependencies need them: -Dmaven.test.skip=true fails to resolve them)
FROM debian:12 AS jar
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      openjdk-17-jdk-headless maven ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pom.xml .
COPY protocol protocol
COPY jvm-client jvm-client
COPY jvm-client-libtorch jvm-client-libtorch
COPY server server
COPY .ci/build .ci/build
# Maven trusts the build secret `cacerts` when it is given (a Java trust store: JKS, or PKCS12 without a password)
RUN --mount=type=secret,id=cacerts \
    if [ -s /run/secrets/cacerts ]; then export MAVEN_OPTS="-Djavax.net.ssl.trustStore=/run/secrets/cacerts"; fi \
 && .ci/build jar

# --- runtime, the default target: a JRE, the jar and the shipped model repository, as a non-root user
FROM debian:12-slim AS runtime
# the JRE's postinst links its man pages, whose directory debian:12-slim leaves out (Debian bug #863199)
RUN mkdir -p /usr/share/man/man1 \
 && apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      openjdk-17-jre-headless curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 torchfeed \
 && useradd --system --uid 10001 --gid torchfeed --create-home --home-dir /var/lib/torchfeed \
      --shell /usr/sbin/nologin torchfeed
COPY --from=jar /src/server/target/torchfeed.jar /opt/torchfeed/torchfeed.jar
COPY --chown=10001:10001 models /var/lib/torchfeed/models
# A numeric user, so that Kubernetes' runAsNonRoot can check it. Every serve option also reads TORCHFEED_<OPTION>
# (README, Configuration): `docker run -e TORCHFEED_STORE=s3://... -e TORCHFEED_BUS=nats://... torchfeed`.
USER 10001:10001
WORKDIR /var/lib/torchfeed
ENV TORCHFEED_MODELS=/var/lib/torchfeed/models
EXPOSE 7070 7071
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD curl -fsS "http://127.0.0.1:${TORCHFEED_HTTP_PORT:-7071}/healthz" \
   || curl -fsSk "https://127.0.0.1:${TORCHFEED_HTTP_PORT:-7071}/healthz" || exit 1
# java is PID 1 and handles SIGTERM itself (docs/shutdown.md): transfers in flight finish, then exit 0
ENTRYPOINT ["java", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0", "-jar", "/opt/torchfeed/torchfeed.jar"]
CMD ["serve"]
