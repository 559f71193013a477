//! A small HTTP/1.1 load generator over keep-alive connections on loopback,
//! a one-shot GET that returns headers and body, and a keep-alive
//! [`Connection`] for requests of any method.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// One response.
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Header lines, lower-cased names.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// Every value of header `name`.
    pub fn all(&self, name: &str) -> impl Iterator<Item = &str> {
        self.headers.iter().filter(move |(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

async fn read_response(reader: &mut BufReader<TcpStream>) -> std::io::Result<Response> {
    let mut line = String::new();
    reader.read_line(&mut line).await?;
    let status = line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let mut headers = Vec::new();
    let mut length = 0usize;
    loop {
        line.clear();
        if reader.read_line(&mut line).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            break;
        }
        if let Some((name, value)) = trimmed.split_once(':') {
            let name = name.trim().to_ascii_lowercase();
            let value = value.trim().to_string();
            if name == "content-length" {
                length = value.parse().unwrap_or(0);
            }
            headers.push((name, value));
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).await?;
    Ok(Response { status, headers, body })
}

fn request(addr: &str, path: &str, extra: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: */*\r\n{extra}\r\n")
}

/// A single GET with optional extra header lines (each ending in `\r\n`).
pub async fn get(addr: &str, path: &str, extra: &str) -> std::io::Result<Response> {
    let stream = TcpStream::connect(addr).await?;
    let mut reader = BufReader::new(stream);
    reader.get_mut().write_all(request(addr, path, extra).as_bytes()).await?;
    read_response(&mut reader).await
}

/// A keep-alive connection sending requests of any method, one at a time.
pub struct Connection {
    addr: String,
    reader: BufReader<TcpStream>,
}

impl Connection {
    /// Connects to `addr`.
    pub async fn open(addr: &str) -> std::io::Result<Connection> {
        let stream = TcpStream::connect(addr).await?;
        let _ = stream.set_nodelay(true);
        Ok(Connection { addr: addr.to_string(), reader: BufReader::new(stream) })
    }

    /// Sends `method path` with extra header lines (each ending in `\r\n`)
    /// and `body` (with its `Content-Length` when not empty), and reads the answer.
    pub async fn send(&mut self, method: &str, path: &str, extra: &str, body: &[u8]) -> std::io::Result<Response> {
        let length = if body.is_empty() { String::new() } else { format!("Content-Length: {}\r\n", body.len()) };
        let head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nAccept: */*\r\n{extra}{length}\r\n", self.addr);
        let stream = self.reader.get_mut();
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(body).await?;
        read_response(&mut self.reader).await
    }
}

/// What one load run measured.
#[derive(Default)]
pub struct Load {
    /// Responses with status 200.
    pub ok: u64,
    /// Anything else, including failed connections.
    pub errors: u64,
    /// Latency of each successful request.
    pub latencies: Vec<Duration>,
    /// Wall time of the run.
    pub elapsed: Duration,
}

/// `connections` keep-alive connections each sending GETs for `paths` in
/// turn (starting at different offsets), for `duration`.
pub async fn load(addr: &str, paths: &[String], connections: usize, duration: Duration) -> Load {
    let paths = paths.to_vec();
    let host = addr.to_string();
    let requests = move |connection: usize, n: usize| request(&host, &paths[(connection * 7 + n) % paths.len()], "");
    load_with(addr, connections, duration, 200, Arc::new(requests)).await
}

/// Like [`load`], each request a REST create of a new (inactive) product
/// with a SKU of its own, counting the 201s.
pub async fn load_creates(addr: &str, connections: usize, duration: Duration) -> Load {
    let host = addr.to_string();
    let requests = move |connection: usize, n: usize| {
        let body = format!(
            r#"{{"name":"Written {connection}-{n}","price":"9.99","sku":"W-{connection}-{n}","is_active":false}}"#
        );
        format!(
            "POST /api/shop/products/ HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
    };
    load_with(addr, connections, duration, 201, Arc::new(requests)).await
}

/// What request `n` of connection `c` sends.
type Requests = Arc<dyn Fn(usize, usize) -> String + Send + Sync>;

/// `connections` keep-alive connections each sending `requests` back to
/// back for `duration`, counting the answers with status `expected`.
async fn load_with(addr: &str, connections: usize, duration: Duration, expected: u16, requests: Requests) -> Load {
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::new();
    for c in 0..connections {
        let addr = addr.to_string();
        let requests = requests.clone();
        tasks.push(tokio::spawn(async move {
            let mut load = Load::default();
            let Ok(stream) = TcpStream::connect(&addr).await else {
                load.errors += 1;
                return load;
            };
            let _ = stream.set_nodelay(true);
            let mut reader = BufReader::new(stream);
            let mut n = 0;
            while Instant::now() < deadline {
                let request = requests(c, n);
                n += 1;
                let sent = Instant::now();
                if reader.get_mut().write_all(request.as_bytes()).await.is_err() {
                    load.errors += 1;
                    break;
                }
                match read_response(&mut reader).await {
                    Ok(response) if response.status == expected => {
                        load.ok += 1;
                        load.latencies.push(sent.elapsed());
                    }
                    Ok(_) => load.errors += 1,
                    Err(_) => {
                        load.errors += 1;
                        break;
                    }
                }
            }
            load
        }));
    }
    let mut total = Load::default();
    for task in tasks {
        if let Ok(load) = task.await {
            total.ok += load.ok;
            total.errors += load.errors;
            total.latencies.extend(load.latencies);
        }
    }
    total.elapsed = started.elapsed();
    total
}
