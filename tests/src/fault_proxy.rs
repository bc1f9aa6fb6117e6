//! A fault-injecting HTTP/1.1 proxy for the local AWS endpoint. It sits between a Lambda under
//! test (`AWS_ENDPOINT_URL` = the proxy's URL) and moto, and for the calls in its scope answers
//! a deterministic share of them badly: throttling, 500s, connections closed before or in the
//! middle of the answer, slow answers, and 200s with a broken JSON body. These are faults a real
//! network and a real AWS endpoint produce and that moto's own fault queue cannot (it only
//! answers well-formed errors). Listens on 127.0.0.1 only; every delay is bounded.

use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// What the proxy does to a call it picks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// HTTP 400 `ThrottlingException` (AWS JSON error); the call never reaches the endpoint.
    Throttle,
    /// HTTP 500 `InternalFailure`; the call never reaches the endpoint.
    ServerError,
    /// HTTP 400 `AccessDeniedException`, an error not worth retrying; the call never reaches the
    /// endpoint.
    AccessDenied,
    /// The connection is closed after the request is read, without an answer; the call never
    /// reaches the endpoint.
    ResetBeforeAnswer,
    /// The call reaches the endpoint (it takes effect), then the connection is closed half-way
    /// through the answer's body.
    ResetMidResponse,
    /// The answer is held back for this long before it is sent (the call takes effect).
    Slow(Duration),
    /// The call reaches the endpoint (it takes effect) and the answer is HTTP 200 with a
    /// truncated, unparsable JSON body.
    MalformedBody,
}

impl Fault {
    /// A short name for reports.
    pub fn name(&self) -> String {
        match self {
            Fault::Throttle => "throttling (400 ThrottlingException)".into(),
            Fault::ServerError => "HTTP 500 InternalFailure".into(),
            Fault::AccessDenied => "access denied (400, not retryable)".into(),
            Fault::ResetBeforeAnswer => "connection closed before the answer".into(),
            Fault::ResetMidResponse => "connection closed mid-answer".into(),
            Fault::Slow(delay) => format!("slow answer ({} ms)", delay.as_millis()),
            Fault::MalformedBody => "malformed 200 body".into(),
        }
    }

    /// Whether the endpoint sees (and acts on) a call that gets this fault.
    pub fn reaches_endpoint(&self) -> bool {
        matches!(
            self,
            Fault::ResetMidResponse | Fault::Slow(_) | Fault::MalformedBody
        )
    }
}

/// Which calls, how often and how many at most.
#[derive(Clone, Debug)]
pub struct FaultPlan {
    pub fault: Fault,
    /// Share of the calls in scope that get the fault, in per cent (0–100).
    pub percent: u32,
    /// Calls whose `X-Amz-Target` starts with this are in scope, e.g.
    /// `StarlingDoveService.PutEvaluations` or `AmazonEC2ContainerServiceV20141113.Describe`.
    pub target_prefix: String,
    /// The same seed gives the same sequence of picks over the calls in scope.
    pub seed: u64,
    /// Stop injecting after this many faults (`None`: no limit).
    pub max_faults: Option<usize>,
}

/// What the proxy saw.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProxyStats {
    /// Every request forwarded or answered.
    pub requests: usize,
    /// Requests in the plan's scope.
    pub in_scope: usize,
    /// Faults injected.
    pub faulted: usize,
    /// When the first request in scope arrived.
    pub first_in_scope: Option<Instant>,
}

struct Shared {
    plan: FaultPlan,
    upstream: String,
    stats: Mutex<ProxyStats>,
    stop: AtomicBool,
}

/// The running proxy; dropping it stops accepting connections.
pub struct FaultProxy {
    /// `127.0.0.1:<port>`
    pub address: String,
    /// `http://127.0.0.1:<port>`, for `AWS_ENDPOINT_URL`.
    pub url: String,
    shared: Arc<Shared>,
}

/// Longest a slow answer may be held back, whatever the plan says.
pub const MAX_DELAY: Duration = Duration::from_secs(2);

impl FaultProxy {
    /// Starts a proxy on a free port of 127.0.0.1 in front of `upstream` (`127.0.0.1:<port>`).
    pub fn start(upstream: &str, plan: FaultPlan) -> std::io::Result<FaultProxy> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let address = listener.local_addr()?.to_string();
        let shared = Arc::new(Shared {
            plan,
            upstream: upstream.trim_start_matches("http://").to_string(),
            stats: Mutex::default(),
            stop: AtomicBool::new(false),
        });
        let accepting = shared.clone();
        thread::spawn(move || {
            for stream in listener.incoming() {
                if accepting.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let connection = accepting.clone();
                thread::spawn(move || {
                    let _ = serve(stream, &connection);
                });
            }
        });
        Ok(FaultProxy {
            url: format!("http://{address}"),
            address,
            shared,
        })
    }

    pub fn stats(&self) -> ProxyStats {
        self.shared
            .stats
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so that it sees the flag.
        let _ = TcpStream::connect(&self.address);
    }
}

/// splitmix64: a small, well-mixed deterministic sequence.
fn splitmix64(state: u64) -> u64 {
    let mut z = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Shared {
    /// Counts the request and decides whether it gets the fault: the n-th call in scope is
    /// picked when the n-th number of the seeded sequence falls under the rate.
    fn pick(&self, target: Option<&str>) -> Option<Fault> {
        let mut stats = self.stats.lock().ok()?;
        stats.requests += 1;
        let in_scope = target.is_some_and(|t| t.starts_with(&self.plan.target_prefix));
        if !in_scope {
            return None;
        }
        stats.in_scope += 1;
        stats.first_in_scope.get_or_insert_with(Instant::now);
        if self.plan.max_faults.is_some_and(|max| stats.faulted >= max) {
            return None;
        }
        let draw = splitmix64(
            self.plan.seed ^ (stats.in_scope as u64).wrapping_mul(0x2545_F491_4F6C_DD1D),
        );
        if draw % 100 < u64::from(self.plan.percent) {
            stats.faulted += 1;
            Some(self.plan.fault)
        } else {
            None
        }
    }
}

struct Message {
    /// The request or status line, without its line end.
    start: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Message {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Reads one HTTP/1.1 message (request, or a response when `response` is set). `None` at a
/// clean end of the connection.
fn read_message(reader: &mut impl BufRead, response: bool) -> std::io::Result<Option<Message>> {
    let mut start = String::new();
    if reader.read_line(&mut start)? == 0 {
        return Ok(None);
    }
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_string(), value.trim().to_string()));
        }
    }
    let mut message = Message {
        start: start.trim_end().to_string(),
        headers,
        body: Vec::new(),
    };
    let chunked = message
        .header("transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    if chunked {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let size = usize::from_str_radix(size.trim().split(';').next().unwrap_or(""), 16)
                .map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidData))?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk)?;
            if size == 0 {
                break;
            }
            message.body.extend_from_slice(&chunk[..size]);
        }
    } else if let Some(length) = message.header("content-length") {
        let length: usize = length
            .parse()
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidData))?;
        message.body.resize(length, 0);
        reader.read_exact(&mut message.body)?;
    } else if response {
        reader.read_to_end(&mut message.body)?;
    }
    Ok(Some(message))
}

/// Hop-by-hop headers the proxy sets itself.
fn end_to_end(name: &str) -> bool {
    ![
        "connection",
        "keep-alive",
        "transfer-encoding",
        "content-length",
        "host",
    ]
    .iter()
    .any(|h| name.eq_ignore_ascii_case(h))
}

fn write_head(
    out: &mut impl Write,
    start: &str,
    headers: &[(String, String)],
    host: Option<&str>,
    length: usize,
    close: bool,
) -> std::io::Result<()> {
    let mut head = format!("{start}\r\n");
    if let Some(host) = host {
        head.push_str(&format!("host: {host}\r\n"));
    }
    for (name, value) in headers.iter().filter(|(n, _)| end_to_end(n)) {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("content-length: {length}\r\n"));
    if close {
        head.push_str("connection: close\r\n");
    }
    head.push_str("\r\n");
    out.write_all(head.as_bytes())
}

fn forward(upstream: &str, request: &Message) -> std::io::Result<Message> {
    let mut stream = TcpStream::connect(upstream)?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    write_head(
        &mut stream,
        &request.start,
        &request.headers,
        Some(upstream),
        request.body.len(),
        true,
    )?;
    stream.write_all(&request.body)?;
    stream.flush()?;
    read_message(&mut BufReader::new(stream), true)?
        .ok_or_else(|| std::io::ErrorKind::UnexpectedEof.into())
}

fn json_error(status: &str, code: &str, message: &str) -> Message {
    Message {
        start: format!("HTTP/1.1 {status}"),
        headers: vec![
            ("content-type".into(), "application/x-amz-json-1.1".into()),
            ("x-amzn-errortype".into(), code.into()),
            ("x-amzn-requestid".into(), "fault-proxy".into()),
        ],
        body: format!(r#"{{"__type":"{code}","message":"{message}"}}"#).into_bytes(),
    }
}

fn serve(client: TcpStream, shared: &Shared) -> std::io::Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(120)))?;
    let mut writer = client.try_clone()?;
    let mut reader = BufReader::new(client);
    while let Some(request) = read_message(&mut reader, false)? {
        let fault = shared.pick(request.header("x-amz-target"));
        let answer = match fault {
            Some(Fault::Throttle) => {
                json_error("400 Bad Request", "ThrottlingException", "Rate exceeded")
            }
            Some(Fault::ServerError) => json_error(
                "500 Internal Server Error",
                "InternalFailure",
                "An internal error occurred (injected)",
            ),
            Some(Fault::AccessDenied) => json_error(
                "400 Bad Request",
                "AccessDeniedException",
                "User is not authorized to perform this action (injected)",
            ),
            Some(Fault::ResetBeforeAnswer) => {
                let _ = writer.shutdown(Shutdown::Both);
                return Ok(());
            }
            Some(Fault::ResetMidResponse) => {
                let answer = forward(&shared.upstream, &request)?;
                let half = answer.body.len() / 2;
                write_head(
                    &mut writer,
                    &answer.start,
                    &answer.headers,
                    None,
                    answer.body.len().max(1),
                    false,
                )?;
                writer.write_all(&answer.body[..half])?;
                writer.flush()?;
                let _ = writer.shutdown(Shutdown::Both);
                return Ok(());
            }
            Some(Fault::Slow(delay)) => {
                let answer = forward(&shared.upstream, &request)?;
                thread::sleep(delay.min(MAX_DELAY));
                answer
            }
            Some(Fault::MalformedBody) => {
                let mut answer = forward(&shared.upstream, &request)?;
                answer.start = "HTTP/1.1 200 OK".into();
                let cut = answer.body.len() / 2;
                answer.body.truncate(cut);
                answer.body.extend_from_slice(b"\x00<garbage");
                answer
            }
            None => forward(&shared.upstream, &request)?,
        };
        write_head(
            &mut writer,
            &answer.start,
            &answer.headers,
            None,
            answer.body.len(),
            false,
        )?;
        writer.write_all(&answer.body)?;
        writer.flush()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(percent: u32, seed: u64) -> FaultPlan {
        FaultPlan {
            fault: Fault::Throttle,
            percent,
            target_prefix: "StarlingDoveService.PutEvaluations".into(),
            seed,
            max_faults: None,
        }
    }

    fn shared(plan: FaultPlan) -> Shared {
        Shared {
            plan,
            upstream: String::new(),
            stats: Mutex::default(),
            stop: AtomicBool::new(false),
        }
    }

    #[test]
    fn picks_are_deterministic_scoped_and_near_the_rate() {
        let picks = |seed| {
            let s = shared(plan(30, seed));
            (0..1000)
                .map(|_| s.pick(Some("StarlingDoveService.PutEvaluations")).is_some())
                .collect::<Vec<_>>()
        };
        assert_eq!(picks(7), picks(7));
        assert_ne!(picks(7), picks(8));
        let hits = picks(7).iter().filter(|p| **p).count();
        assert!((250..350).contains(&hits), "{hits} of 1000 at 30%");
        let s = shared(plan(100, 1));
        assert!(s
            .pick(Some("AmazonEC2ContainerServiceV20141113.ListClusters"))
            .is_none());
        assert!(s.pick(None).is_none());
        assert_eq!(s.stats.lock().unwrap().in_scope, 0);
    }

    #[test]
    fn max_faults_bounds_the_injection() {
        let mut p = plan(100, 1);
        p.max_faults = Some(3);
        let s = shared(p);
        let hits = (0..10)
            .filter(|_| s.pick(Some("StarlingDoveService.PutEvaluations")).is_some())
            .count();
        assert_eq!(hits, 3);
    }
}
