//! An instant AWS endpoint for measurements: fixed answers, set up beforehand, served from
//! memory on 127.0.0.1. The calls a handler makes are the same as against moto, but each is
//! answered as fast as a socket allows, so a cold start measured against it is the handler's
//! own time, not the local endpoint's.
//!
//! Requests are matched on the JSON protocol's `X-Amz-Target` (`AmazonEC2ContainerServiceV20141113.
//! DescribeTaskDefinition`) and, optionally, one top-level field of the request body (the
//! `taskDefinition` asked for). A request nothing matches gets HTTP 400 with the target and the
//! body, so a measurement never passes on a call it did not expect.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

use serde_json::Value;

/// The answers, by target: one for a given value of a request field, or one for any request.
#[derive(Default)]
pub struct Answers {
    by_field: HashMap<String, (String, HashMap<String, Vec<u8>>)>,
    any: HashMap<String, Vec<u8>>,
}

impl Answers {
    /// `body` for every request to `target` that no field-specific answer matches.
    pub fn any(&mut self, target: &str, body: &Value) {
        self.any
            .insert(target.to_string(), body.to_string().into_bytes());
    }

    /// `body` for requests to `target` whose top-level `field` is the string `value`. One field
    /// per target.
    pub fn when(&mut self, target: &str, field: &str, value: &str, body: &Value) {
        self.by_field
            .entry(target.to_string())
            .or_insert_with(|| (field.to_string(), HashMap::new()))
            .1
            .insert(value.to_string(), body.to_string().into_bytes());
    }

    fn find(&self, target: &str, body: &[u8]) -> Option<&[u8]> {
        if let Some((field, answers)) = self.by_field.get(target) {
            let request: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
            if let Some(answer) = request
                .get(field)
                .and_then(Value::as_str)
                .and_then(|value| answers.get(value))
            {
                return Some(answer);
            }
        }
        self.any.get(target).map(Vec::as_slice)
    }
}

/// The running endpoint; it stops accepting connections when dropped.
pub struct Canned {
    pub address: String,
    pub url: String,
    calls: Arc<AtomicUsize>,
    unanswered: Arc<AtomicUsize>,
}

impl Canned {
    /// Serves `answers` on a free port of 127.0.0.1, a thread per connection (keep-alive).
    pub fn start(answers: Answers) -> std::io::Result<Canned> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let address = listener.local_addr()?.to_string();
        let answers = Arc::new(answers);
        let calls = Arc::new(AtomicUsize::new(0));
        let unanswered = Arc::new(AtomicUsize::new(0));
        let (counted, missed) = (calls.clone(), unanswered.clone());
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (answers, counted, missed) = (answers.clone(), counted.clone(), missed.clone());
                thread::spawn(move || {
                    let _ = serve(stream, &answers, &counted, &missed);
                });
            }
        });
        Ok(Canned {
            url: format!("http://{address}"),
            address,
            calls,
            unanswered,
        })
    }

    /// Requests answered since the start or the last reset.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// Requests no answer matched (each got HTTP 400).
    pub fn unanswered(&self) -> usize {
        self.unanswered.load(Ordering::SeqCst)
    }

    pub fn reset_calls(&self) {
        self.calls.store(0, Ordering::SeqCst);
        self.unanswered.store(0, Ordering::SeqCst);
    }
}

fn serve(
    stream: TcpStream,
    answers: &Answers,
    calls: &AtomicUsize,
    unanswered: &AtomicUsize,
) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let mut length = 0usize;
        let mut target = String::new();
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header)? == 0 {
                return Ok(());
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap_or(0);
                } else if name.eq_ignore_ascii_case("x-amz-target") {
                    target = value.trim().to_string();
                }
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        let (status, answer) = match answers.find(&target, &body) {
            Some(answer) => {
                calls.fetch_add(1, Ordering::SeqCst);
                ("200 OK", answer.to_vec())
            }
            None => {
                unanswered.fetch_add(1, Ordering::SeqCst);
                let message = format!(
                    "no canned answer for target {target:?} with body {}",
                    String::from_utf8_lossy(&body)
                );
                (
                    "400 Bad Request",
                    serde_json::json!({"__type": "NoCannedAnswer", "message": message})
                        .to_string()
                        .into_bytes(),
                )
            }
        };
        let head = format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/x-amz-json-1.1\r\n\
             x-amzn-requestid: 00000000-0000-0000-0000-000000000000\r\ncontent-length: {}\r\n\r\n",
            answer.len()
        );
        writer.write_all(head.as_bytes())?;
        writer.write_all(&answer)?;
        writer.flush()?;
    }
}
