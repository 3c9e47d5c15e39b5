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
