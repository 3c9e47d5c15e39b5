//! `sa-receiver` binary: the receiver for test suites in other languages. They start it, read
//! the `LISTENING <url>` first line to learn the port, send, then read `--out` or `/_records`.

use std::io::{self, BufRead, Write};
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use sa_receiver::faults::parse_code;
use sa_receiver::{Config, Faults, Receiver};

const USAGE: &str = "\
usage: sa-receiver [options]
  --host ADDR              loopback address to bind (default 127.0.0.1; others are refused)
  --port N                 port (default 0 = any free port)
  --project NAME           project in the printed URL (default: default)
  --out FILE               append accepted records as JSON lines (file truncated at start)
  --status-seq LIST        statuses for the next requests, e.g. 503,503,200 (also drop, reset)
  --default-status N       status once the sequence is used up (default 200)
  --fail-rate F            probability of answering --fail-status (default 0)
  --fail-status N          default 503
  --drop-rate F            probability of closing without an answer
  --reset-rate F           probability of a TCP reset before the body is read
  --seed N                 seed for the rates (default 0)
  --retry-after S          send Retry-After: S on 429 and 503 answers
  --delay-ms N             wait N ms before each answer
  --down-after-start-ms N  go down (refuse connections) N ms after start ...
  --down-for-ms N          ... for N ms (default 1000; giving only this goes down at once)
  --stdin-eof MODE         exit|ignore|auto: exit when stdin closes (auto: if stdin is a pipe)
  --verbose                log each data request to stderr
  --tls-cert FILE          serve https: this PEM certificate chain (leaf first) ...
  --tls-key FILE           ... and its PEM key (see --make-test-pki)
  --tls-host NAME          host name in the printed https URL (default 127.0.0.1)
  --make-test-pki DIR      write a fresh test CA (ca.pem, ca.crt) and server certificates
                           (server, expired, wrong-host, unknown-ca: .pem + .key) into DIR, exit
First stdout line: LISTENING http://127.0.0.1:PORT/sa?project=NAME
With --tls-cert: LISTENING https://HOST:TLSPORT/sa?project=NAME, then a second line
PLAIN http://127.0.0.1:PORT/sa?project=NAME (the same receiver without TLS, for /_… control).
Stops on SIGTERM, POST /_shutdown, or stdin EOF (see --stdin-eof).";

#[derive(Debug)]
struct Opts {
    config: Config,
    tls: Option<(PathBuf, PathBuf)>,
    tls_host: String,
    down_after: Option<Duration>,
    down_for: Option<Duration>,
    stdin_eof: String,
}

fn parse_args(args: &[String]) -> Result<Opts, String> {
    let mut config = Config::default();
    let mut faults = Faults::default();
    let mut down_after = None;
    let mut down_for = None;
    let mut stdin_eof = "auto".to_string();
    let (mut tls_cert, mut tls_key, mut tls_host) = (None, None, "127.0.0.1".to_string());
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        if flag == "--help" || flag == "-h" {
            return Err(String::new());
        }
        if flag == "--verbose" {
            config.verbose = true;
            continue;
        }
        // Accept both "--flag value" and "--flag=value".
        let (name, inline) = match flag.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (flag.as_str(), None),
        };
        let value = match inline {
            Some(v) => v,
            None => it
                .next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))?,
        };
        let num = |v: &str| {
            v.parse::<u64>()
                .map_err(|_| format!("{name}: not a number: {v}"))
        };
        let rate = |v: &str| match v.parse::<f64>() {
            Ok(r) if (0.0..=1.0).contains(&r) => Ok(r),
            _ => Err(format!("{name}: want a number in 0..=1, got {v}")),
        };
        match name {
            "--host" => {
                config.host = if value == "localhost" {
                    IpAddr::from([127, 0, 0, 1])
                } else {
                    value
                        .parse()
                        .map_err(|_| format!("--host: not an IP address: {value}"))?
                };
                if !config.host.is_loopback() {
                    return Err(format!(
                        "--host {value}: only loopback addresses are allowed"
                    ));
                }
            }
            "--port" => {
                config.port = value
                    .parse()
                    .map_err(|_| format!("--port: bad port {value}"))?
            }
            "--project" => config.project = value,
            "--out" => config.out = Some(PathBuf::from(value)),
            "--status-seq" => {
                faults.statuses = value
                    .split(',')
                    .filter(|s| !s.trim().is_empty())
                    .map(parse_code)
                    .collect::<Result<_, _>>()?
            }
            "--default-status" => faults.default_status = parse_code(&value)?,
            "--fail-status" => faults.fail_status = parse_code(&value)?,
            "--fail-rate" => faults.fail_rate = rate(&value)?,
            "--drop-rate" => faults.drop_rate = rate(&value)?,
            "--reset-rate" => faults.reset_rate = rate(&value)?,
            "--seed" => faults.seed = num(&value)?,
            "--retry-after" => faults.retry_after = Some(num(&value)?),
            "--delay-ms" => {
                faults.delay = Some(Duration::from_millis(num(&value)?)).filter(|d| !d.is_zero())
            }
            "--down-after-start-ms" => down_after = Some(Duration::from_millis(num(&value)?)),
            "--down-for-ms" => down_for = Some(Duration::from_millis(num(&value)?)),
            "--stdin-eof" => {
                if !["exit", "ignore", "auto"].contains(&value.as_str()) {
                    return Err("--stdin-eof: want exit, ignore or auto".into());
                }
                stdin_eof = value;
            }
            "--tls-cert" => tls_cert = Some(PathBuf::from(value)),
            "--tls-key" => tls_key = Some(PathBuf::from(value)),
            "--tls-host" => tls_host = value,
            _ => return Err(format!("unknown option {name}")),
        }
    }
    config.faults = faults;
    let tls = match (tls_cert, tls_key) {
        (Some(c), Some(k)) => Some((c, k)),
        (None, None) => None,
        _ => return Err("--tls-cert and --tls-key go together".into()),
    };
    Ok(Opts {
        config,
        tls,
        tls_host,
        down_after,
        down_for,
        stdin_eof,
    })
}

/// Watching stdin only makes sense when it is a pipe from the harness: under CI stdin is often
/// /dev/null, whose instant EOF would stop us before the tests start.
fn stdin_is_pipe() -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        std::fs::metadata("/proc/self/fd/0")
            .or_else(|_| std::fs::metadata("/dev/stdin"))
            .map(|m| m.file_type().is_fifo() || m.file_type().is_socket())
            .unwrap_or(false)
    }
    #[cfg(not(unix))]
    {
        false
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--make-test-pki") {
        let Some(dir) = args.get(1) else {
            eprintln!("sa-receiver: --make-test-pki needs a directory");
            return ExitCode::from(2);
        };
        return match sa_receiver::pki::make(std::path::Path::new(dir)) {
            Ok(p) => {
                println!("PKI {}", p.dir.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("sa-receiver: --make-test-pki {dir}: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let opts = match parse_args(&args) {
        Ok(o) => o,
        Err(e) if e.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("sa-receiver: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let receiver = match Receiver::start(opts.config) {
        Ok(r) => Arc::new(r),
        Err(e) => {
            eprintln!("sa-receiver: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let _tls_front = match &opts.tls {
        Some((cert, key)) => match sa_receiver::TlsFront::start(cert, key, receiver.addr()) {
            Ok(front) => {
                let project = receiver.url().rsplit_once("project=").map(|(_, p)| p.to_owned()).unwrap_or_default();
                let mut out = io::stdout().lock();
                let _ = writeln!(out, "LISTENING {}", front.url(&opts.tls_host, &project));
                let _ = writeln!(out, "PLAIN {}", receiver.url());
                let _ = out.flush();
                Some(front)
            }
            Err(e) => {
                eprintln!("sa-receiver: cannot start TLS: {e}");
                return ExitCode::FAILURE;
            }
        },
        None => {
            let mut out = io::stdout().lock();
            let _ = writeln!(out, "LISTENING {}", receiver.url());
            let _ = out.flush();
            None
        }
    };

    if opts.down_after.is_some() || opts.down_for.is_some() {
        let r = receiver.clone();
        let after = opts.down_after.unwrap_or_default();
        let dur = opts.down_for.unwrap_or(Duration::from_secs(1));
        thread::spawn(move || {
            thread::sleep(after);
            r.go_down(dur);
        });
    }

    let watch = match opts.stdin_eof.as_str() {
        "exit" => true,
        "ignore" => false,
        _ => stdin_is_pipe(),
    };
    if watch {
        let r = receiver.clone();
        thread::spawn(move || {
            let mut sink = Vec::new();
            let stdin = io::stdin();
            let mut lock = stdin.lock();
            // Read until EOF (or error); content is ignored.
            while matches!(lock.read_until(b'\n', &mut sink), Ok(n) if n > 0) {
                sink.clear();
            }
            r.request_shutdown();
        });
    }

    // SIGTERM/SIGINT keep their default action (exit at once): the output file is written and
    // flushed per request, so nothing is lost by not catching them.
    receiver.wait_shutdown_requested();
    receiver.stop();
    ExitCode::SUCCESS
}
