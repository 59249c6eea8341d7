"""The fleet of issue 13 for the benchmark cases (docs/scale-out.md): a bucket (S3Proxy 4.1.0, the tests' S3
stand-in, in a JVM of its own), a bus (Debian's nats-server with JetStream) and torchfeed replicas of that bucket.

    case = benchcase.Case(row=16)
    with case, fleet.Fleet(case, "row16") as f:     # $BENCH_WORK/row16/: every process's state and output
        f.start_bucket()
        f.start_bus()
        a, b = f.start_replicas("a", "b")            # started together; returns once each one's /readyz says
                                                     # ready with conditions store and bus "ok"
        version = f.publish(a, "m16", path)          # an HTTP upload with the admin token; the version it became
        f.metric(b, "torchfeed_replica_copies_total", source="bucket", outcome="ok")

A rolling restart (case 19): replicas started with fixed_ports=True listen on ports of their own outside the
kernel's ephemeral range, so that no outgoing connection takes one while its replica is down, and come back on them:

        a, b, c = f.start_replicas("A", "B", "C", fixed_ports=True)
        status, line = f.stop_replica(a)             # SIGTERM; its exit status and its stop line
        f.restart_replica(a)                         # the same ports, cache directory and options; once ready

Leaving the block stops what the fleet started, replicas first, then the bus and the bucket (SIGTERM; SIGKILL to
the process group after 15 s), also on a signal: benchcase.Case turns SIGTERM, SIGINT and SIGHUP into SystemExit.
Every process runs in a session of its own and writes its output into its directory under the fleet's.

S3Proxy runs from the server module's test classpath (org.gaul:s3proxy with the Jackson the server pins, in ~/.m2
once mvn verify or a test build ran), resolved by mvn (offline first) and kept in $BENCH_WORK/s3proxy/ until a
pom.xml changes. Its file-system backend serves each directory under its base directory as a bucket, so the bucket
is created by making its directory before S3Proxy starts. Debian's python3, standard library only.
"""
import hashlib
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import benchcase

ROOT = Path(__file__).resolve().parents[2]
kBucket = "torchfeed-bench"
kPrefix = "fleet"
kAccessKey = "bench-access-key"
kSecretKey = "bench-secret-key-0123456789"
kNatsServer = "/usr/sbin/nats-server"
kAttempts = 5  # starts on a free port that another process took meanwhile
kReadyTimeout = 300  # s: a replica's first sync copies and validates every version in the bucket
kStopTimeout = 15  # s

kLogback = """<configuration>
  <appender name="err" class="ch.qos.logback.core.ConsoleAppender">
    <target>System.err</target>
    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{36} - %msg%n</pattern></encoder>
  </appender>
  <root level="WARN"><appender-ref ref="err"/></root>
</configuration>
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unused_port():
    """A port of 127.0.0.1 that nothing is bound to, below the ephemeral range (ip_local_port_range), where the
    kernel never picks the local port of an outgoing connection: a replica can leave it and come back to it."""
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    for _ in range(100):
        port = random.randrange(10000, low)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no unused port found between 10000 and {low}")


def listening(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def s3proxy_classpath(work):
    """The server's test classpath (S3Proxy and its dependencies), computed once per version of the poms."""
    poms = [ROOT / "pom.xml", ROOT / "server" / "pom.xml"]
    key = hashlib.sha256(b"".join(p.read_bytes() for p in poms)).hexdigest()[:16]
    kept = work / "s3proxy" / f"classpath-{key}.txt"
    if kept.exists():
        classpath = kept.read_text().strip()
        if all(Path(jar).exists() for jar in classpath.split(":")):
            return classpath
    kept.parent.mkdir(parents=True, exist_ok=True)
    temp = kept.with_suffix(f".{os.getpid()}.tmp")
    command = ["mvn", "-B", "-ntp", "-q", "-f", str(ROOT / "pom.xml"), "-pl", "server", "dependency:build-classpath",
               "-Dmdep.includeScope=test", f"-Dmdep.outputFile={temp}"]
    done = subprocess.run(command[:1] + ["-o"] + command[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)
    if done.returncode != 0:  # something is not in ~/.m2 yet: let Maven fetch it
        done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"cannot resolve S3Proxy's classpath ({' '.join(command)}):\n{done.stdout[-3000:]}")
    classpath = temp.read_text().strip()
    if "s3proxy" not in classpath:
        raise RuntimeError(f"no s3proxy jar in the server's test classpath ({temp})")
    os.replace(temp, kept)
    return classpath


def descendants(pid):
    """pid's children, their children, ... (from /proc/PID/task/*/children), as they are now."""
    found, todo = [], [pid]
    while todo:
        for task in Path(f"/proc/{todo.pop()}/task").glob("*"):
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
            found += children
            todo += children
    return found


def cpu_seconds(pids):
    """utime + stime of the processes and of their descendants (a replica's validation worker), in seconds."""
    ticks = 0
    for pid in {p for root in pids for p in [root, *descendants(root)]}:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def parse_metrics(text):
    """Prometheus text format: [(name, {label: value}, value)]."""
    samples = []
    for line in text.splitlines():
        m = re.match(r"([A-Za-z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)", line)
        if m and not line.startswith("#"):
            labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
            samples.append((m.group(1), labels, float(m.group(3))))
    return samples


class Replica:
    """One `serve --store` process: its id, state directory, process, and once ready its addresses.

    Its output of the first run is in state/stdout and state/stderr, of the Nth (a restart) in stdout.N, stderr.N.
    """

    def __init__(self, rid, state, argv):
        self.id, self.state, self.argv = rid, state, argv
        self.process = self.pid = None
        self.runs = 0
        self.address = self.http = None

    def __repr__(self):
        return f"replica {self.id} (TCP {self.address}, HTTP {self.http})"

    @property
    def out(self):
        return self.state / ("stdout" if self.runs <= 1 else f"stdout.{self.runs}")

    @property
    def err(self):
        return self.state / ("stderr" if self.runs <= 1 else f"stderr.{self.runs}")

    def get(self, path, timeout=10):
        """(status, body) of GET http://HTTP/path."""
        try:
            with urllib.request.urlopen(f"http://{self.http}{path}", timeout=timeout) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def metrics(self):
        status, body = self.get("/metrics")
        if status != 200:
            raise RuntimeError(f"{self}: /metrics answered {status}")
        return parse_metrics(body.decode())

    def metric(self, name, **labels):
        """The sum of the samples of `name` whose labels include `labels` (0 when there is none)."""
        return sum(v for n, l, v in self.metrics() if n == name and all(l.get(k) == x for k, x in labels.items()))

    def serves(self, name, version):
        return self.get(f"/v1/models/{name}/versions/{version}/manifest")[0] == 200


class Fleet:
    def __init__(self, case, name):
        self.case = case
        self.dir = case.work / name
        self.token = os.urandom(16).hex()
        self.auth_header = self.dir / "auth-header"
        self.endpoint = self.bus = None
        self.s3proxy = self.nats = None  # their processes, once started
        self.replicas = []
        self._peers = []  # the bucket and the bus, stopped after the replicas

    def __enter__(self):
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True)
        self.auth_header.touch(mode=0o600)
        self.auth_header.write_text(f"Authorization: Bearer {self.token}\n")
        return self

    def __exit__(self, *_exc):
        self.stop([r.process for r in self.replicas])
        self.stop(list(reversed(self._peers)))
        return False

    def stop(self, processes):
        """SIGTERM to each, then SIGKILL to the process group of any still running after kStopTimeout."""
        for p in processes:
            if p.poll() is None:
                p.terminate()
        for p in processes:
            try:
                p.wait(timeout=kStopTimeout)
            except subprocess.TimeoutExpired:
                self.case.log(f"process {p.pid} ignored SIGTERM for {kStopTimeout} s; killing its group")
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()

    def _start(self, argv, log, ready, record=True, env=None):
        """Starts argv in its own session, its output into log; waits until ready() (or its exit: then None)."""
        with open(log, "w") as out:
            p = self.case.spawn(argv, record=record, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        benchcase.wait_for(lambda: p.poll() is not None or ready(), 120, f"{argv[0]} to start (log: {log})")
        return p if p.poll() is None else None

    def start_bucket(self):
        """S3Proxy on a free port of 127.0.0.1, AWS v2/v4 authentication, the file-system backend; the bucket made."""
        state = self.dir / "s3"
        (state / "data" / kBucket).mkdir(parents=True)
        logback = state / "logback.xml"
        logback.write_text(kLogback)
        classpath = s3proxy_classpath(self.case.work)
        for attempt in range(1, kAttempts + 1):
            port = free_port()
            properties = state / "s3proxy.properties"
            properties.write_text(f"s3proxy.endpoint=http://127.0.0.1:{port}\n"
                                  "s3proxy.authorization=aws-v2-or-v4\n"
                                  f"s3proxy.identity={kAccessKey}\n"
                                  f"s3proxy.credential={kSecretKey}\n"
                                  "jclouds.provider=filesystem-nio2\n"
                                  f"jclouds.filesystem.basedir={state / 'data'}\n")
            argv = ["java", f"-Dlogback.configurationFile={logback}", "-cp", classpath, "org.gaul.s3proxy.Main",
                    "--properties", properties]
            log = state / f"s3proxy-{port}.log"
            process = self._start(argv, log, lambda: listening(port), record=False)
            if process:
                self._peers.append(process)
                self.s3proxy = process
                self.endpoint = f"http://127.0.0.1:{port}"
                self.case.record(["java", f"-Dlogback.configurationFile={logback}", "-cp", "CLASSPATH",
                                  "org.gaul.s3proxy.Main", "--properties", properties])
                self.case.record(["#", "CLASSPATH:", "mvn", "-o", "-pl", "server", "dependency:build-classpath",
                                  "-Dmdep.includeScope=test", "(org.gaul:s3proxy:4.1.0", "and", "its", "dependencies)"])
                self.case.record(["#", f"{properties}:", *properties.read_text().splitlines()])
                return self.endpoint
            if "Address already in use" not in log.read_text() or attempt == kAttempts:
                raise RuntimeError(f"S3Proxy exited:\n{log.read_text()[-3000:]}")

    def start_bus(self):
        """nats-server -js on a free port of 127.0.0.1, its store in the fleet's directory."""
        state = self.dir / "nats"
        state.mkdir()
        for attempt in range(1, kAttempts + 1):
            port = free_port()
            log = state / f"nats-{port}.log"
            argv = [kNatsServer, "-js", "-a", "127.0.0.1", "-p", port, "-sd", state / "store"]
            process = self._start(argv, log, lambda: "Server is ready" in log.read_text())
            if process:
                self._peers.append(process)
                self.nats = process
                self.bus = f"nats://127.0.0.1:{port}"
                return self.bus
            if "address already in use" not in log.read_text() or attempt == kAttempts:
                raise RuntimeError(f"nats-server exited:\n{log.read_text()[-3000:]}")

    def start_replicas(self, *ids, options=(), fixed_ports=False):
        """Starts `serve --store` replicas with these ids together; returns them once each is ready. Each listens on
        free ports (--port 0), or with fixed_ports on unused_port()s, which restart_replica() starts it on again."""
        started = []
        for rid in ids:
            state = self.dir / f"replica-{rid}"
            state.mkdir()
            ports = ["--port", "0", "--http-port", "0"]
            if fixed_ports:
                ports = ["--port", unused_port(), "--http-port", unused_port()]
            argv = ["serve", "--store", f"s3://{kBucket}/{kPrefix}", "--s3-endpoint", self.endpoint,
                    "--s3-path-style", "--bus", self.bus, "--replica-id", rid, "--cache-dir", state / "cache",
                    "--bind", "127.0.0.1", *ports, *options]
            replica = Replica(rid, state, argv)
            self.replicas.append(replica)
            started.append(replica)
            self._launch(replica)
        for replica in started:
            for attempt in range(1, kAttempts + 1):
                try:
                    self._await_ready(replica)
                    break
                except RuntimeError:
                    # Fixed ports that another process took between unused_port() and the bind: others.
                    if not fixed_ports or attempt == kAttempts or "Address already in use" not in replica.err.read_text():
                        raise
                    for option in ("--port", "--http-port"):
                        replica.argv[replica.argv.index(option) + 1] = unused_port()
                    self._launch(replica)
        return started

    def _launch(self, replica):
        """Starts the replica's process (its next run), its output into replica.out and replica.err."""
        jvm = os.environ.get("BENCH_SERVER_JVM_OPTS", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0").split()
        env = {**os.environ, "AWS_ACCESS_KEY_ID": kAccessKey, "AWS_SECRET_ACCESS_KEY": kSecretKey,
               "TORCHFEED_ADMIN_TOKEN": self.token}
        replica.runs += 1
        with open(replica.out, "w") as out, open(replica.err, "w") as err:
            replica.process = self.case.spawn(["java", *jvm, "-jar", self.case.jar, *replica.argv], env=env,
                                              stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                              start_new_session=True)
        replica.pid = replica.process.pid

    def stop_replica(self, replica, timeout=30 + kStopTimeout):
        """SIGTERM to the replica (its JVM); waits for its exit: (exit status, its stop line "torchfeed stopped
        (SIGTERM): N transfers finished, M cut" or None). After timeout s (default: serve's default --shutdown-grace,
        30 s, and kStopTimeout more) its process group is killed: status -9, no line."""
        replica.process.terminate()
        try:
            replica.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.case.log(f"{replica} still running {timeout} s after SIGTERM; killing its group")
            os.killpg(replica.pid, signal.SIGKILL)
            replica.process.wait()
        m = re.search(r"^torchfeed stopped .*$", replica.out.read_text(), re.M)
        return replica.process.returncode, m and m.group(0)

    def restart_replica(self, replica):
        """Starts a stopped replica again with the same command line (ports, cache directory, options); returns
        once it is ready (/readyz with store and bus ok)."""
        if replica.process.poll() is None:
            raise RuntimeError(f"{replica} is still running")
        address, http = replica.address, replica.http
        self._launch(replica)
        self._await_ready(replica)
        if (replica.address, replica.http) != (address, http):
            raise RuntimeError(f"{replica} came back on other ports (was TCP {address}, HTTP {http})")
        return replica

    def _await_ready(self, replica):
        def ready_line():
            if replica.process.poll() is not None:
                raise RuntimeError(f"replica {replica.id} exited with {replica.process.returncode}:\n"
                                   + replica.err.read_text()[-3000:])
            m = re.search(r"^torchfeed ready:.*$", replica.out.read_text(), re.M)
            return m and m.group(0)

        line = benchcase.wait_for(ready_line, kReadyTimeout, f"replica {replica.id}'s ready line", interval=0.1)
        replica.address = "127.0.0.1:" + re.search(r"TCP on [^ ;,]*:(\d+)", line).group(1)
        replica.http = "127.0.0.1:" + re.search(r"HTTP on [^ ;,]*:(\d+)", line).group(1)

        def conditions_ok():
            status, body = replica.get("/readyz")
            conditions = json.loads(body).get("conditions", {}) if status == 200 else {}
            return conditions.get("store") == "ok" and conditions.get("bus") == "ok"

        benchcase.wait_for(conditions_ok, 60, f"{replica}: /readyz with store and bus ok", interval=0.1)
        self.case.log(f"{replica} ready")

    def publish_command(self, replica, name, file):
        """An HTTP upload of file as the next version of name, with the admin token (in a header file)."""
        return ["curl", "-sS", "--fail-with-body", "-X", "POST", "-H", f"@{self.auth_header}", "-H",
                "Content-Type: application/octet-stream", "--data-binary", f"@{file}",
                f"http://{replica.http}/v1/models/{name}/versions"]

    def publish(self, replica, name, file):
        """Uploads file on replica; the version it became."""
        command = self.publish_command(replica, name, file)
        self.case.record(command)
        done = subprocess.run([str(c) for c in command], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"the upload of {file} to {replica} failed: {done.stdout} {done.stderr}")
        return json.loads(done.stdout)["version"]
