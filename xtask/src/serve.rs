//! A small static file server for `dist/` on 127.0.0.1 (the page needs HTTP for wasm and workers).

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};

use crate::Result;

/// Serves `dir` until the process is stopped, on `port` or the next free one.
pub fn run_forever(dir: &Path, port: u16) -> Result {
    let listener = (port..port.saturating_add(20))
        .find_map(|p| TcpListener::bind(("127.0.0.1", p)).ok())
        .ok_or_else(|| format!("no free port in {port}..{}", port.saturating_add(20)))?;
    println!(
        "recon-align demo: http://{}/  (Ctrl-C to stop)",
        listener.local_addr()?
    );
    accept(listener, dir.to_path_buf());
    Ok(())
}

/// Serves `dir` on an ephemeral port from a background thread; returns the address.
pub fn spawn(dir: &Path) -> Result<SocketAddr> {
    let listener = TcpListener::bind(("127.0.0.1", 0))?;
    let addr = listener.local_addr()?;
    let dir = dir.to_path_buf();
    std::thread::spawn(move || accept(listener, dir));
    Ok(addr)
}

fn accept(listener: TcpListener, dir: PathBuf) {
    for stream in listener.incoming().flatten() {
        let dir = dir.clone();
        std::thread::spawn(move || {
            if let Err(e) = respond(stream, &dir) {
                eprintln!("serve: {e}");
            }
        });
    }
}

/// The page's Content-Security-Policy, sent with every response (index.html carries the same one
/// in a meta tag, for static hosts that send no headers; a test keeps the two equal).
pub const CSP: &str =
    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; \
connect-src 'self' https:; img-src 'self' data: blob:; style-src 'self'; object-src 'none'; \
base-uri 'none'; form-action 'none'";

/// The validator of a file's bytes: a browser that holds a copy with this tag is answered
/// 304 Not Modified, and every response says `Cache-Control: no-cache` (use a held copy only after
/// asking). So a repeat visit reads unchanged files from its HTTP cache, as on a static host that
/// sends validators, and a rebuilt file is never served stale.
fn etag(body: &[u8]) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    body.hash(&mut h);
    format!("\"{:016x}-{:x}\"", h.finish(), body.len())
}

fn respond(mut stream: TcpStream, dir: &Path) -> Result {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    // Read the headers; only If-None-Match changes the answer.
    let mut line = String::new();
    let mut if_none_match = None;
    while reader.read_line(&mut line)? > 2 {
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("if-none-match") {
                if_none_match = Some(value.trim().to_string());
            }
        }
        line.clear();
    }
    let mut parts = request.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or("/"));
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let mut tag = String::new();
    let (code, kind, body) = match (method, resolve(dir, path)) {
        ("GET" | "HEAD", Some(file)) => match std::fs::read(&file) {
            Ok(body) => {
                tag = etag(&body);
                if if_none_match.as_deref() == Some(tag.as_str()) {
                    ("304 Not Modified", mime(&file), Vec::new())
                } else {
                    ("200 OK", mime(&file), body)
                }
            }
            Err(_) => ("404 Not Found", "text/plain", b"not found\n".to_vec()),
        },
        ("GET" | "HEAD", None) => ("404 Not Found", "text/plain", b"not found\n".to_vec()),
        _ => (
            "405 Method Not Allowed",
            "text/plain",
            b"GET only\n".to_vec(),
        ),
    };
    let cache = if tag.is_empty() {
        "Cache-Control: no-store".to_string()
    } else {
        format!("Cache-Control: no-cache\r\nETag: {tag}")
    };
    write!(
        stream,
        "HTTP/1.1 {code}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n{cache}\r\nContent-Security-Policy: {CSP}\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    if method != "HEAD" {
        stream.write_all(&body)?;
    }
    Ok(())
}

/// Maps a URL path to a file under `dir`, refusing anything that would leave it.
fn resolve(dir: &Path, url_path: &str) -> Option<PathBuf> {
    let rel = Path::new(url_path.trim_start_matches('/'));
    if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return None;
    }
    let file = dir.join(rel);
    let file = if file.is_dir() {
        file.join("index.html")
    } else {
        file
    };
    file.is_file().then_some(file)
}

fn mime(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::{resolve, spawn, CSP};
    use std::io::{Read, Write};

    #[test]
    fn the_header_and_the_meta_tag_give_the_same_policy() {
        let root = crate::project_root();
        let html = std::fs::read_to_string(root.join("index.html")).unwrap();
        let meta = html
            .split("http-equiv=\"Content-Security-Policy\" content=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("index.html has a CSP meta tag");
        assert_eq!(meta, CSP);
    }

    #[test]
    fn the_page_limits_match_the_worker_limits() {
        // www/limits.js refuses files the worker's budget would refuse anyway.
        let root = crate::project_root();
        let js = std::fs::read_to_string(root.join("www/limits.js")).unwrap();
        assert!(js.contains("export const MAX_FILE_BYTES = 2 ** 30;"));
        assert_eq!(recon_align::dataset::PAGE_MAX_BYTES, 1 << 30);
    }

    #[test]
    fn paths_outside_the_served_folder_are_refused() {
        let dir = std::env::temp_dir().join(format!("xtask-serve-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("www")).unwrap();
        std::fs::write(dir.join("index.html"), "x").unwrap();
        std::fs::write(dir.join("www/app.js"), "x").unwrap();
        assert_eq!(resolve(&dir, "/"), Some(dir.join("index.html")));
        assert_eq!(resolve(&dir, "/www/app.js"), Some(dir.join("www/app.js")));
        for hostile in [
            "/../etc/passwd",
            "/www/../../etc/passwd",
            "/www/%2e%2e/%2e%2e/etc/passwd",
        ] {
            assert_eq!(resolve(&dir, hostile), None, "{hostile}");
        }
        assert_eq!(resolve(&dir, "/missing.js"), None);
    }

    /// GET `path` from `addr` with an optional If-None-Match; the status line and the headers.
    fn get(addr: std::net::SocketAddr, path: &str, tag: Option<&str>) -> String {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        let extra = tag.map_or(String::new(), |t| format!("If-None-Match: {t}\r\n"));
        write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\n{extra}\r\n").unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    }

    #[test]
    fn an_unchanged_file_is_revalidated_and_a_changed_one_is_sent_again() {
        let dir = std::env::temp_dir().join(format!("xtask-etag-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("a.js"), "first").unwrap();
        let addr = spawn(&dir).unwrap();
        let first = get(addr, "/a.js", None);
        assert!(first.starts_with("HTTP/1.1 200"), "{first}");
        assert!(first.contains("Cache-Control: no-cache"), "{first}");
        let tag = first
            .lines()
            .find_map(|l| l.strip_prefix("ETag: "))
            .expect("an ETag")
            .to_string();
        let again = get(addr, "/a.js", Some(&tag));
        assert!(again.starts_with("HTTP/1.1 304"), "{again}");
        assert!(again.ends_with("\r\n\r\n"), "a 304 has no body: {again}");
        std::fs::write(dir.join("a.js"), "second").unwrap();
        let changed = get(addr, "/a.js", Some(&tag));
        assert!(changed.starts_with("HTTP/1.1 200"), "{changed}");
        assert!(changed.ends_with("second"), "{changed}");
        assert!(get(addr, "/missing.js", None).contains("Cache-Control: no-store"));
    }
}
