//! A Lambda Runtime API emulator the tests own: the real `bootstrap` binaries long-poll
//! `/2018-06-01/runtime/invocation/next` here and post their `/response` or `/error`, exactly as
//! in AWS Lambda. Listens on 127.0.0.1 only.

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

/// What an invocation returned.
#[derive(Clone, Debug, PartialEq)]
pub enum Reply {
    Response(Value),
    Error(Value),
}

#[derive(Default)]
struct State {
    queue: VecDeque<(String, Vec<u8>, u64)>,
    replies: HashMap<String, Reply>,
    /// When each invocation was handed to the function (for latency figures).
    handed_out: HashMap<String, Instant>,
    init_error: Option<Value>,
    /// When the function first asked for an invocation (its init is done).
    first_poll: Option<Instant>,
    next_id: u64,
    closed: bool,
}

/// The emulator; dropping it stops accepting invocations.
pub struct RuntimeApi {
    pub address: String,
    state: Arc<(Mutex<State>, Condvar)>,
    pub function_arn: String,
}

impl RuntimeApi {
    /// Starts on a free port of 127.0.0.1. `function_arn` is what the function sees as
    /// `invoked_function_arn` (its account is the Lambda's own).
    pub fn start(function_arn: &str) -> std::io::Result<RuntimeApi> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let address = listener.local_addr()?.to_string();
        let state: Arc<(Mutex<State>, Condvar)> = Arc::default();
        let shared = state.clone();
        let arn = function_arn.to_string();
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let connection = shared.clone();
                let arn = arn.clone();
                thread::spawn(move || {
                    let _ = serve_connection(stream, &connection, &arn);
                });
                if shared.0.lock().map(|s| s.closed).unwrap_or(true) {
                    break;
                }
            }
        });
        Ok(RuntimeApi {
            address,
            state,
            function_arn: function_arn.to_string(),
        })
    }

    /// Queues an event and waits for the function's reply. `deadline` is the invocation's time
    /// budget as the function sees it (Lambda-Runtime-Deadline-Ms).
    pub fn invoke(
        &self,
        payload: &Value,
        deadline: Duration,
        wait: Duration,
    ) -> Result<(Reply, Duration), String> {
        self.invoke_while(payload, deadline, wait, &|| None)
    }

    /// [`RuntimeApi::invoke`], checking about once a second that the function can still reply:
    /// `gone` says why it cannot (it exited), and the call fails with that.
    pub fn invoke_while(
        &self,
        payload: &Value,
        deadline: Duration,
        wait: Duration,
        gone: &dyn Fn() -> Option<String>,
    ) -> Result<(Reply, Duration), String> {
        let (lock, signal) = &*self.state;
        let id = {
            let mut state = lock.lock().map_err(|e| e.to_string())?;
            state.next_id += 1;
            let id = format!("req-{:06}", state.next_id);
            let deadline_ms = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| (d + deadline).as_millis() as u64)
                .unwrap_or(0);
            state.queue.push_back((
                id.clone(),
                serde_json::to_vec(payload).unwrap_or_default(),
                deadline_ms,
            ));
            signal.notify_all();
            id
        };
        let started = Instant::now();
        let mut state = lock.lock().map_err(|e| e.to_string())?;
        loop {
            if let Some(reply) = state.replies.remove(&id) {
                let since = state.handed_out.remove(&id).unwrap_or(started);
                return Ok((reply, since.elapsed()));
            }
            if let Some(error) = &state.init_error {
                return Err(format!("the function failed to initialise: {error}"));
            }
            let left = wait
                .checked_sub(started.elapsed())
                .ok_or_else(|| format!("no reply to {id} within {wait:?}"))?;
            state = signal
                .wait_timeout(state, left.min(Duration::from_secs(1)))
                .map_err(|e| e.to_string())?
                .0;
            if !state.replies.contains_key(&id) {
                if let Some(reason) = gone() {
                    return Err(format!("no reply to {id}: {reason}"));
                }
            }
        }
    }
}

impl RuntimeApi {
    /// When the function first polled for work, if it has.
    pub fn first_poll(&self) -> Option<Instant> {
        self.state.0.lock().ok().and_then(|s| s.first_poll)
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        if let Ok(mut state) = self.state.0.lock() {
            state.closed = true;
        }
        self.state.1.notify_all();
        let _ = TcpStream::connect(&self.address);
    }
}

struct Request {
    method: String,
    path: String,
    body: Vec<u8>,
}

fn read_request(reader: &mut BufReader<TcpStream>) -> std::io::Result<Option<Request>> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or_default().to_string();
    let mut length = 0usize;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 {
            return Ok(None);
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok(Some(Request { method, path, body }))
}

fn respond(
    stream: &mut TcpStream,
    status: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {status}\r\ncontent-length: {}\r\ncontent-type: application/json\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()
}

fn serve_connection(
    stream: TcpStream,
    shared: &Arc<(Mutex<State>, Condvar)>,
    arn: &str,
) -> std::io::Result<()> {
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    let (lock, signal) = &**shared;
    while let Some(request) = read_request(&mut reader)? {
        let path = request.path.trim_start_matches("/2018-06-01/runtime");
        if request.method == "GET" && path == "/invocation/next" {
            let next = {
                let mut state = lock.lock().map_err(|_| std::io::ErrorKind::Other)?;
                state.first_poll.get_or_insert_with(Instant::now);
                loop {
                    if state.closed {
                        break None;
                    }
                    if let Some(item) = state.queue.pop_front() {
                        state.handed_out.insert(item.0.clone(), Instant::now());
                        break Some(item);
                    }
                    state = signal
                        .wait_timeout(state, Duration::from_millis(200))
                        .map_err(|_| std::io::ErrorKind::Other)?
                        .0;
                }
            };
            let Some((id, body, deadline)) = next else {
                return Ok(());
            };
            respond(
                &mut writer,
                "200 OK",
                &[
                    ("lambda-runtime-aws-request-id", id),
                    ("lambda-runtime-deadline-ms", deadline.to_string()),
                    ("lambda-runtime-invoked-function-arn", arn.to_string()),
                    (
                        "lambda-runtime-trace-id",
                        "Root=1-00000000-000000000000000000000000".into(),
                    ),
                ],
                &body,
            )?;
        } else if request.method == "POST" && path.starts_with("/invocation/") {
            let rest = &path["/invocation/".len()..];
            let (id, kind) = rest.split_once('/').unwrap_or((rest, ""));
            let body: Value = serde_json::from_slice(&request.body)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&request.body).into()));
            let reply = if kind == "response" {
                Reply::Response(body)
            } else {
                Reply::Error(body)
            };
            if let Ok(mut state) = lock.lock() {
                state.replies.insert(id.to_string(), reply);
            }
            signal.notify_all();
            respond(&mut writer, "202 Accepted", &[], b"{}")?;
        } else if request.method == "POST" && path == "/init/error" {
            let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
            if let Ok(mut state) = lock.lock() {
                state.init_error = Some(body);
            }
            signal.notify_all();
            respond(&mut writer, "202 Accepted", &[], b"{}")?;
        } else {
            respond(&mut writer, "404 Not Found", &[], b"{}")?;
        }
    }
    Ok(())
}
