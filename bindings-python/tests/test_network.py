"""HTTPS and proxies as the reference's users meet them, through environment variables only
(SSL_CERT_FILE, SSL_CERT_DIR, https_proxy, http_proxy, no_proxy): a receiver whose
certificate comes from a CA made by this test (sa-receiver --make-test-pki, served by its TLS
front), and a real forward proxy (Debian's tinyproxy) started by the test on 127.0.0.1."""

import fcntl
import os
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

import receiver as receiver_mod
import sensorsanalytics as sa
from sensorsanalytics import SensorsAnalytics

if receiver_mod.binary() is None:
    if os.environ.get("SA_REQUIRE_RECEIVER"):
        raise RuntimeError("sa-receiver is missing (SA_RECEIVER)")
    pytest.skip("no sa-receiver binary (cargo build -p sa-receiver)", allow_module_level=True)

ENV = ["SSL_CERT_FILE", "SSL_CERT_DIR", "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
       "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for v in ENV:
        monkeypatch.delenv(v, raising=False)


@pytest.fixture(scope="module")
def pki():
    d = tempfile.mkdtemp(prefix="sa-pki-")
    subprocess.run([receiver_mod.binary(), "--make-test-pki", d], check=True, stdout=subprocess.DEVNULL)
    yield d
    shutil.rmtree(d, ignore_errors=True)


class TlsReceiver(receiver_mod.Receiver):
    """sa-receiver behind its TLS front: .url is https, control goes to the plain port."""

    def __init__(self, pki, cert="server", host="127.0.0.1"):
        self.proc = subprocess.Popen(
            [receiver_mod.binary(), "--port", "0", "--stdin-eof", "exit",
             "--tls-cert", os.path.join(pki, cert + ".pem"), "--tls-key", os.path.join(pki, cert + ".key"),
             "--tls-host", host],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        first = self.proc.stdout.readline().decode().split()
        second = self.proc.stdout.readline().decode().split()
        assert first[0] == "LISTENING" and second[0] == "PLAIN", (first, second)
        self.url = first[1]
        self.base = second[1].split("/sa?")[0]
        self.port = int(self.url.split("://")[1].split("/")[0].rsplit(":", 1)[1])


@pytest.fixture
def tls_receiver(pki):
    r = TlsReceiver(pki)
    yield r
    r.close()


def send_one(url, consumer_cls=sa.DefaultConsumer):
    consumer = consumer_cls(url, request_timeout=5000) if consumer_cls is sa.DefaultConsumer \
        else consumer_cls(url, 1, request_timeout=5000)
    client = SensorsAnalytics(consumer)
    try:
        client.track("u1", "ViewProduct", {"price": 9.5})
        client.flush()
    finally:
        try:
            client.close()
        except Exception:  # noqa: BLE001 - the error under test was already raised
            pass


def test_https_trusted_through_ssl_cert_file(pki, tls_receiver, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", os.path.join(pki, "ca.pem"))
    send_one(tls_receiver.url)
    send_one(tls_receiver.url, sa.BatchConsumer)
    records = tls_receiver.records()
    assert [r["event"] for r in records] == ["ViewProduct", "ViewProduct"]


def test_https_trusted_through_ssl_cert_dir(pki, tls_receiver, monkeypatch):
    d = tempfile.mkdtemp()
    try:
        shutil.copy(os.path.join(pki, "ca.pem"), os.path.join(d, "test-ca.pem"))
        monkeypatch.setenv("SSL_CERT_DIR", d)
        send_one(tls_receiver.url)
        assert len(tls_receiver.records()) == 1
    finally:
        shutil.rmtree(d)


def test_https_trusted_through_the_system_store(pki, tls_receiver):
    if os.geteuid() != 0 or not shutil.which("update-ca-certificates"):
        pytest.skip("needs root and update-ca-certificates (CI runs as root)")
    dest = "/usr/local/share/ca-certificates/sensorsanalytics-pytest-%d.crt" % os.getpid()
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    # CI runs the suite on two Python versions at once: update-ca-certificates rewrites
    # /etc/ssl/certs and fails when two run together, so the system store is ours alone
    # for the length of this test.
    with open("/tmp/sensorsanalytics-system-store.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        shutil.copy(os.path.join(pki, "ca.crt"), dest)
        try:
            subprocess.run(["update-ca-certificates"], check=True, stdout=subprocess.DEVNULL)
            send_one(tls_receiver.url)
            assert len(tls_receiver.records()) == 1
        finally:
            os.remove(dest)
            subprocess.run(["update-ca-certificates", "--fresh"], check=True, stdout=subprocess.DEVNULL)


@pytest.mark.parametrize("cert,host,cause", [
    ("server", "127.0.0.1", "unknown issuer"),       # CA not trusted at all
    ("unknown-ca", "127.0.0.1", "unknown issuer"),   # signed by another CA
    ("expired", "127.0.0.1", "expired"),
    ("wrong-host", "localhost", "not valid for the host name"),
])
def test_https_refused_at_once(pki, monkeypatch, cert, host, cause):
    if cert != "server":
        monkeypatch.setenv("SSL_CERT_FILE", os.path.join(pki, "ca.pem"))
    r = TlsReceiver(pki, cert, host)
    try:
        for consumer_cls in (sa.DefaultConsumer, sa.BatchConsumer):
            started = time.time()
            with pytest.raises(sa.SensorsAnalyticsNetworkException) as e:
                send_one(r.url, consumer_cls)
            assert cause in str(e.value) and "not retried" in str(e.value), str(e.value)
            # BatchConsumer retries for up to 5 s what may pass; a certificate never does.
            assert time.time() - started < 2.5
        assert r.records() == []
    finally:
        r.close()


# -- through a real forward proxy -----------------------------------------------------------

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Tinyproxy(object):
    def __init__(self, auth=None):
        self.dir = tempfile.mkdtemp(prefix="sa-tinyproxy-")
        self.log = os.path.join(self.dir, "tinyproxy.log")
        for _ in range(5):
            self.port = free_port()
            conf = os.path.join(self.dir, "tinyproxy.conf")
            with open(conf, "w") as f:
                f.write("Port %d\nListen 127.0.0.1\nTimeout 30\nMaxClients 50\nAllow 127.0.0.1\n" % self.port)
                f.write('LogFile "%s"\nLogLevel Info\n' % self.log)
                if auth:
                    f.write("BasicAuth %s %s\n" % auth)
            self.proc = subprocess.Popen(["tinyproxy", "-d", "-c", conf], stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.time() + 5
            while time.time() < deadline and self.proc.poll() is None:
                try:
                    socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                    return
                except OSError:
                    time.sleep(0.02)
            self.proc.kill()
            self.proc.wait()
        raise RuntimeError("tinyproxy did not start")

    def url(self, userinfo=""):
        return "http://%s127.0.0.1:%d" % (userinfo + "@" if userinfo else "", self.port)

    def requests(self, at_least=0):
        deadline = time.time() + 3
        while True:
            try:
                with open(self.log) as f:
                    lines = [l.split("): ", 1)[1].strip() for l in f if "Request (file descriptor" in l]
            except FileNotFoundError:
                lines = []
            if len(lines) >= at_least or time.time() > deadline:
                return lines
            time.sleep(0.02)

    def close(self):
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def proxy():
    if not shutil.which("tinyproxy"):
        if os.environ.get("SA_REQUIRE_PROXY"):
            raise RuntimeError("tinyproxy is missing (apt-get install tinyproxy)")
        pytest.skip("tinyproxy is not installed (apt-get install tinyproxy)")
    p = Tinyproxy()
    yield p
    p.close()


def test_https_through_https_proxy_connect(pki, tls_receiver, proxy, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", os.path.join(pki, "ca.pem"))
    monkeypatch.setenv("https_proxy", proxy.url())
    send_one(tls_receiver.url)
    assert proxy.requests(1) == ["CONNECT 127.0.0.1:%d HTTP/1.1" % tls_receiver.port]
    assert len(tls_receiver.records()) == 1


def test_http_through_http_proxy(proxy, monkeypatch):
    r = receiver_mod.Receiver()
    try:
        monkeypatch.setenv("HTTP_PROXY", proxy.url())
        send_one(r.url)
        assert proxy.requests(1)[0].startswith("POST http://127.0.0.1:")
        assert len(r.records()) == 1
    finally:
        r.close()


def test_no_proxy_is_honoured(pki, tls_receiver, proxy, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", os.path.join(pki, "ca.pem"))
    monkeypatch.setenv("https_proxy", proxy.url())
    monkeypatch.setenv("no_proxy", "localhost,127.0.0.1")
    send_one(tls_receiver.url)
    assert len(tls_receiver.records()) == 1
    assert proxy.requests() == []


def test_proxy_credentials_work_and_never_show(pki, tls_receiver, monkeypatch):
    if not shutil.which("tinyproxy"):
        pytest.skip("tinyproxy is not installed")
    p = Tinyproxy(auth=("alice", "s3cret-pw"))
    try:
        monkeypatch.setenv("SSL_CERT_FILE", os.path.join(pki, "ca.pem"))
        monkeypatch.setenv("https_proxy", p.url("alice:s3cret-pw"))
        send_one(tls_receiver.url)
        assert len(tls_receiver.records()) == 1
        # Wrong password: the tunnel fails; the message names neither user nor password.
        monkeypatch.setenv("https_proxy", p.url("alice:wrong-pw-1"))
        with pytest.raises(sa.SensorsAnalyticsNetworkException) as e:
            send_one(tls_receiver.url)
        assert "wrong-pw-1" not in str(e.value) and "alice" not in str(e.value), str(e.value)
        # A proxy that is down: the same.
        monkeypatch.setenv("https_proxy", "http://alice:s3cret-pw@127.0.0.1:1")
        with pytest.raises(sa.SensorsAnalyticsNetworkException) as e:
            send_one(tls_receiver.url)
        assert "s3cret-pw" not in str(e.value) and "alice" not in str(e.value), str(e.value)
    finally:
        p.close()


# -- the same, as options of each consumer (issue 15): ca_file, proxy, headers, gzip ----------

HEADERS = {"X-Gateway-Token": "tok-1", "X-Tenant": "t1"}


def make(consumer_cls, url, **net):
    if consumer_cls is sa.BatchConsumer:
        return consumer_cls(url, 2, request_timeout=5000, **net)
    if consumer_cls is sa.AsyncBatchConsumer:
        return consumer_cls(url, flush_size=2, request_timeout=5000, **net)
    if consumer_cls is sa.DebugConsumer:
        return consumer_cls(url, True, request_timeout=5000, **net)
    return consumer_cls(url, request_timeout=5000, **net)


def track_n(consumer, n):
    client = SensorsAnalytics(consumer)
    for i in range(n):
        client.track("u%d" % i, "ViewProduct", {"price": i})
    client.flush()
    client.close()


def received_headers(req):
    return {k.lower(): v for k, v in req["headers"].items()}


@pytest.mark.parametrize("consumer_cls", [sa.DefaultConsumer, sa.BatchConsumer, sa.AsyncBatchConsumer,
                                          sa.DebugConsumer])
def test_ca_file_headers_and_gzip_off_as_consumer_options(pki, tls_receiver, consumer_cls):
    n = 1 if consumer_cls is sa.DebugConsumer else 5
    track_n(make(consumer_cls, tls_receiver.url, ca_file=os.path.join(pki, "ca.pem"), headers=HEADERS,
                 gzip=False), n)
    records = tls_receiver.records()
    assert sorted(r["distinct_id"] for r in records) == ["u%d" % i for i in range(n)]
    reqs = tls_receiver.requests()
    assert sum(q["records"] for q in reqs) == n
    for q in reqs:
        h = received_headers(q)
        assert (h["x-gateway-token"], h["x-tenant"]) == ("tok-1", "t1")
        assert q["gzip"] is False and q["warnings"] == []
        assert q["user_agent"].startswith("sensorsanalytics-")


def test_headers_as_pairs_and_gzip_on_by_default(pki, tls_receiver):
    track_n(sa.DefaultConsumer(tls_receiver.url, ca_file=os.path.join(pki, "ca.pem"),
                               headers=[("X-A", "1"), ("X-B", "2")]), 1)
    q = tls_receiver.requests()[0]
    assert (received_headers(q)["x-a"], received_headers(q)["x-b"], q["gzip"]) == ("1", "2", True)


@pytest.mark.parametrize("consumer_cls", [sa.DefaultConsumer, sa.BatchConsumer])
def test_ca_file_of_another_ca_is_refused_at_once(pki, consumer_cls):
    r = TlsReceiver(pki, "unknown-ca")
    try:
        started = time.time()
        with pytest.raises(sa.SensorsAnalyticsNetworkException) as e:
            track_n(make(consumer_cls, r.url, ca_file=os.path.join(pki, "ca.pem")), 1)
        assert "unknown issuer" in str(e.value) and "not retried" in str(e.value), str(e.value)
        assert time.time() - started < 2.5
        assert r.records() == []
    finally:
        r.close()


def test_async_batch_on_error_gets_a_refused_certificate(pki):
    r = TlsReceiver(pki, "unknown-ca")
    seen = []
    try:
        c = sa.AsyncBatchConsumer(r.url, flush_size=3, ca_file=os.path.join(pki, "ca.pem"),
                                  on_error=lambda records, e: seen.append((len(records), type(e).__name__)))
        client = SensorsAnalytics(c)
        for i in range(3):
            client.track("u%d" % i, "E", {})
        with pytest.raises(sa.SensorsAnalyticsNetworkException):
            client.close()
        assert seen == [(3, "SensorsAnalyticsNetworkException")]
        assert c.stats()["failed"] == 3
    finally:
        r.close()


def test_proxy_option_through_tinyproxy(pki, tls_receiver, proxy):
    # The environment names no proxy: the option alone sends https through CONNECT...
    track_n(sa.BatchConsumer(tls_receiver.url, 2, ca_file=os.path.join(pki, "ca.pem"), proxy=proxy.url()), 4)
    assert proxy.requests(1)[0] == "CONNECT 127.0.0.1:%d HTTP/1.1" % tls_receiver.port
    assert len(tls_receiver.records()) == 4
    # ... and http as a forward proxy.
    plain = receiver_mod.Receiver()
    try:
        track_n(sa.DefaultConsumer(plain.url, proxy=proxy.url()), 1)
        assert any(line.startswith("POST http://127.0.0.1:") for line in proxy.requests(2))
        assert len(plain.records()) == 1
    finally:
        plain.close()


def test_proxy_option_wins_over_the_environment(proxy, monkeypatch):
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:1")
    r = receiver_mod.Receiver()
    try:
        track_n(sa.DefaultConsumer(r.url, proxy=proxy.url()), 1)
        assert len(r.records()) == 1
    finally:
        r.close()


@pytest.mark.parametrize("net,cause", [
    (dict(headers={"X-A": "a\r\nX-Injected: 1"}), "no CR, LF"),
    (dict(headers={"Bad Name": "v"}), "invalid header name"),
    (dict(headers={"Content-Type": "text/plain"}), "the SDK sets it itself"),
    (dict(headers={"User-Agent": "mine"}), "the SDK sets it itself"),
    (dict(ca_file="/nonexistent/ca.pem"), "/nonexistent/ca.pem"),
    (dict(ca_file=""), "ca_file must not be empty"),
    (dict(proxy=""), "proxy must not be empty"),
    (dict(proxy="http://[::1"), "proxy"),
])
@pytest.mark.parametrize("consumer_cls", [sa.DefaultConsumer, sa.BatchConsumer, sa.AsyncBatchConsumer,
                                          sa.DebugConsumer])
def test_bad_network_options_fail_at_construction(consumer_cls, net, cause):
    # ValueError, as every consumer constructor raises for a bad argument (a bad URL too).
    with pytest.raises(ValueError) as e:
        make(consumer_cls, "http://127.0.0.1:1/sa", **net)
    assert cause in str(e.value), str(e.value)


def test_headers_must_be_text():
    with pytest.raises(TypeError):
        sa.DefaultConsumer("http://127.0.0.1:1/sa", headers={"X-A": 1})
