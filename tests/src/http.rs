//! A small HTTP/1.1 client over std for the local endpoints (moto on 127.0.0.1).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use anyhow::{bail, Context};

/// Sends one request and returns (status, body).
pub fn request(
    address: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> anyhow::Result<(u16, Vec<u8>)> {
    let mut stream = TcpStream::connect(address).with_context(|| format!("connect {address}"))?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nhost: {address}\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    let mut reader = BufReader::new(stream);
    let mut status_line = String::new();
    reader.read_line(&mut status_line)?;
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .with_context(|| format!("bad status line {status_line:?}"))?;
    let mut length = None;
    let mut chunked = false;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            break;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse::<usize>().ok();
            }
            if name.eq_ignore_ascii_case("transfer-encoding")
                && value.to_ascii_lowercase().contains("chunked")
            {
                chunked = true;
            }
        }
    }
    let mut out = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let size = usize::from_str_radix(size.trim(), 16).context("chunk size")?;
            if size == 0 {
                break;
            }
            let mut chunk = vec![0; size];
            reader.read_exact(&mut chunk)?;
            out.extend_from_slice(&chunk);
            let mut crlf = String::new();
            reader.read_line(&mut crlf)?;
        }
    } else if let Some(length) = length {
        out.resize(length, 0);
        reader.read_exact(&mut out)?;
    } else {
        reader.read_to_end(&mut out)?;
    }
    Ok((status, out))
}

/// A JSON 1.1 AWS call (ECS, Config, …) with a credential scope moto reads the account and
/// Region from. Signatures are not checked locally.
pub fn aws_json(
    address: &str,
    access_key: &str,
    service: &str,
    target: &str,
    body: &serde_json::Value,
) -> anyhow::Result<serde_json::Value> {
    let authorization = format!(
        "AWS4-HMAC-SHA256 Credential={access_key}/20250101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0"
    );
    let payload = serde_json::to_vec(body)?;
    let (status, response) = request(
        address,
        "POST",
        "/",
        &[
            ("content-type", "application/x-amz-json-1.1"),
            ("x-amz-target", target),
            ("authorization", &authorization),
        ],
        &payload,
    )?;
    let value: serde_json::Value = if response.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_slice(&response).unwrap_or_else(|_| {
            serde_json::Value::String(String::from_utf8_lossy(&response).into())
        })
    };
    if status >= 300 {
        bail!("{target} returned {status}: {value}");
    }
    Ok(value)
}

/// A query-protocol AWS call (STS, EC2): form-encoded parameters, XML back.
pub fn aws_query(
    address: &str,
    access_key: &str,
    service: &str,
    params: &[(&str, &str)],
) -> anyhow::Result<String> {
    let authorization = format!(
        "AWS4-HMAC-SHA256 Credential={access_key}/20250101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0"
    );
    let body: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    let (status, response) = request(
        address,
        "POST",
        "/",
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("authorization", &authorization),
        ],
        body.join("&").as_bytes(),
    )?;
    let text = String::from_utf8_lossy(&response).to_string();
    if status >= 300 {
        bail!("{service} {params:?} returned {status}: {text}");
    }
    Ok(text)
}

fn encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Every text of `<tag>…</tag>` in an XML document.
pub fn xml_values(xml: &str, tag: &str) -> Vec<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        let Some(end) = after.find(&close) else { break };
        out.push(after[..end].to_string());
        rest = &after[end + close.len()..];
    }
    out
}
