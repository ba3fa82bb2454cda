//! Zero-copy sending of a file range to a TCP socket with `sendfile(2)` (Linux), for direct
//! play: the kernel hands page-cache pages to the socket, nothing is copied through user space
//! (the actix path copies every byte twice: file → buffer → actix's write buffer → socket).
//!
//! The socket side never blocks: the socket is non-blocking and tokio reports when it can take
//! more. The file side would: `sendfile` waits for the disk when bytes are not in the page
//! cache, which would stall every connection of an async worker. So each window of the range
//! is checked first ([`page_cache::holds`]) and a window that is not cached is read on tokio's
//! blocking pool ([`warm`]) before it is sent; hot media (the common case) costs one cheap
//! check per window.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::FileExt;
use std::sync::Arc;

use tokio::io::Interest;
use tokio::net::TcpStream;

/// Bytes checked for page-cache residency at a time, and so the most one `sendfile` call is
/// asked to send and the most read on the blocking pool per hop when the disk is involved.
/// A 1 MiB random-range request is then one check; the socket usually takes less per call.
const WINDOW: u64 = 1 << 20;

/// Buffer for [`warm`]'s reads: the bytes only pass through on their way to the page cache.
const WARM_BUFFER: usize = 256 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The client closed or reset the connection: normal for a player that seeks or stops.
    #[error("the client went away: {0}")]
    Disconnected(#[source] io::Error),
    /// The file is shorter than when the response was planned (truncated while streaming).
    #[error("file ended at byte {0}, before the expected end")]
    Truncated(u64),
    #[error("cannot send the file: {0}")]
    Io(#[source] io::Error),
}

/// Socket errors that mean the peer is gone, not that something is wrong here.
fn socket_error(e: io::Error) -> SendError {
    match e.raw_os_error() {
        Some(
            libc::EPIPE
            | libc::ECONNRESET
            | libc::ECONNABORTED
            | libc::ETIMEDOUT
            | libc::ENOTCONN
            | libc::EHOSTUNREACH
            | libc::ENETUNREACH
            | libc::ESHUTDOWN,
        ) => SendError::Disconnected(e),
        _ => SendError::Io(e),
    }
}

/// Writes all of `bytes`; with `more`, the kernel holds them back (`MSG_MORE`) to leave the
/// socket in one segment with the file bytes that follow, as nginx's `tcp_nopush` does.
pub async fn send_bytes(stream: &TcpStream, mut bytes: &[u8], more: bool) -> Result<(), SendError> {
    let fd = stream.as_raw_fd();
    let flags = libc::MSG_NOSIGNAL | if more { libc::MSG_MORE } else { 0 };
    while !bytes.is_empty() {
        let chunk = bytes;
        let sent = stream
            .async_io(Interest::WRITABLE, || loop {
                // SAFETY: `chunk` is a live, initialised slice of `chunk.len()` bytes that the
                // kernel only reads; `fd` is the socket `stream` owns for the whole call.
                let n = unsafe { libc::send(fd, chunk.as_ptr().cast(), chunk.len(), flags) };
                match usize::try_from(n) {
                    Ok(n) => return Ok(n),
                    Err(_) => {
                        let e = io::Error::last_os_error();
                        if e.kind() != io::ErrorKind::Interrupted {
                            return Err(e);
                        }
                    }
                }
            })
            .await
            .map_err(socket_error)?;
        if sent == 0 {
            return Err(SendError::Disconnected(io::ErrorKind::WriteZero.into()));
        }
        bytes = &bytes[sent..];
    }
    Ok(())
}

/// Sends `len` bytes of `file` from `start` to `stream` with `sendfile(2)`.
pub async fn send_file(
    stream: &TcpStream,
    file: &Arc<File>,
    start: u64,
    len: u64,
) -> Result<(), SendError> {
    let sock = stream.as_raw_fd();
    let src = file.as_raw_fd();
    let end = start.saturating_add(len);
    let mut offset = start;
    // Bytes from `offset` up to here were found (or made) resident in the page cache.
    let mut resident_until = start;
    while offset < end {
        if offset >= resident_until {
            let window = (end - offset).min(WINDOW);
            if !page_cache::holds(file, offset, window) {
                warm(file, offset, window).await?;
            }
            resident_until = offset + window;
        }
        // Lossless: at most WINDOW.
        let count = (resident_until - offset) as usize;
        let at = i64::try_from(offset).map_err(|_| {
            SendError::Io(io::Error::new(
                io::ErrorKind::InvalidInput,
                "file offset too large",
            ))
        })?;
        let sent = stream
            .async_io(Interest::WRITABLE, || loop {
                let mut off = at;
                // SAFETY: both descriptors are owned by live values borrowed for the whole
                // call (`stream`, `file`); `off` is a valid, exclusively borrowed offset.
                let n = unsafe { libc::sendfile(sock, src, &mut off, count) };
                match usize::try_from(n) {
                    Ok(n) => return Ok(n),
                    Err(_) => {
                        let e = io::Error::last_os_error();
                        if e.kind() != io::ErrorKind::Interrupted {
                            return Err(e);
                        }
                    }
                }
            })
            .await
            .map_err(socket_error)?;
        if sent == 0 {
            return Err(SendError::Truncated(offset));
        }
        offset += sent as u64;
    }
    Ok(())
}

/// Reads `len` bytes of `file` from `offset` on the blocking pool, so they are in the page
/// cache when `sendfile` wants them.
async fn warm(file: &Arc<File>, offset: u64, len: u64) -> Result<(), SendError> {
    let file = Arc::clone(file);
    tokio::task::spawn_blocking(move || {
        let mut buf = vec![0u8; WARM_BUFFER.min(usize::try_from(len).unwrap_or(WARM_BUFFER))];
        let end = offset + len;
        let mut at = offset;
        while at < end {
            // Lossless: at most WARM_BUFFER.
            let want = (end - at).min(buf.len() as u64) as usize;
            match file.read_at(&mut buf[..want], at) {
                Ok(0) => return Err(SendError::Truncated(at)),
                Ok(n) => at += n as u64,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(SendError::Io(e)),
            }
        }
        Ok(())
    })
    .await
    .unwrap_or_else(|join| Err(SendError::Io(io::Error::other(join))))
}

/// Whether a byte range of a file is in the page cache, without reading it from disk.
pub(crate) mod page_cache {
    use std::fs::File;
    use std::os::fd::AsRawFd;
    use std::sync::atomic::{AtomicU8, Ordering};

    /// `cachestat(2)`: one number on every architecture but alpha (system calls added since
    /// Linux 5.1 share one table); the libc crate does not define it for every target.
    const SYS_CACHESTAT: libc::c_long = 451;

    const UNTRIED: u8 = 0;
    const CACHESTAT: u8 = 1;
    /// `cachestat` is missing (Linux < 6.5), refused (a seccomp filter, or a kernel that only
    /// allows it on files the caller may write) or failed: probe with reads instead.
    const PROBE: u8 = 2;
    /// Non-blocking reads are not available either: treat everything as not cached.
    const NOTHING: u8 = 3;

    static METHOD: AtomicU8 = AtomicU8::new(UNTRIED);

    #[repr(C)]
    struct CachestatRange {
        off: u64,
        len: u64,
    }

    #[repr(C)]
    #[derive(Default)]
    struct Cachestat {
        nr_cache: u64,
        nr_dirty: u64,
        nr_writeback: u64,
        nr_evicted: u64,
        nr_recently_evicted: u64,
    }

    /// Whether all of `len > 0` bytes from `offset` are cached. A wrong `true` only means a
    /// worker waits for the disk once (what nginx always does); a wrong `false` costs a read.
    pub fn holds(file: &File, offset: u64, len: u64) -> bool {
        if len == 0 {
            return true;
        }
        match METHOD.load(Ordering::Relaxed) {
            UNTRIED | CACHESTAT => match cachestat(file, offset, len) {
                Some(Resident::All) => {
                    METHOD.store(CACHESTAT, Ordering::Relaxed);
                    true
                }
                Some(Resident::Some) => false,
                // Either truly cold, or a file system whose open files do not own the pages
                // (overlayfs reads through to another file's cache): reads tell which.
                Some(Resident::None) => {
                    let cached = probe(file, offset, len);
                    if cached {
                        METHOD.store(PROBE, Ordering::Relaxed);
                    }
                    cached
                }
                None => {
                    METHOD.store(PROBE, Ordering::Relaxed);
                    probe(file, offset, len)
                }
            },
            PROBE => probe(file, offset, len),
            _ => false,
        }
    }

    fn page_size() -> u64 {
        // SAFETY: sysconf only reads a system constant.
        let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        u64::try_from(size).unwrap_or(4096).max(1)
    }

    enum Resident {
        All,
        Some,
        None,
    }

    /// Exact: the number of cached pages in the range against the number of pages it spans.
    fn cachestat(file: &File, offset: u64, len: u64) -> Option<Resident> {
        let range = CachestatRange { off: offset, len };
        let mut stat = Cachestat::default();
        // SAFETY: `range` and `stat` are live, correctly laid out (`#[repr(C)]`, the kernel's
        // `struct cachestat_range` / `struct cachestat`) for the call; the kernel reads the
        // first and writes the second; the descriptor belongs to `file`.
        let rc = unsafe {
            libc::syscall(
                SYS_CACHESTAT,
                file.as_raw_fd(),
                &range as *const CachestatRange,
                &mut stat as *mut Cachestat,
                0u32,
            )
        };
        if rc != 0 {
            return None;
        }
        let page = page_size();
        let pages = (offset + len - 1) / page - offset / page + 1;
        Some(match stat.nr_cache {
            0 => Resident::None,
            n if n >= pages => Resident::All,
            _ => Resident::Some,
        })
    }

    /// Approximate: the first and last byte can be read without waiting (`RWF_NOWAIT`).
    /// Readahead fills ranges front to back, so holes in between are rare.
    fn probe(file: &File, offset: u64, len: u64) -> bool {
        for at in [offset, offset + len - 1] {
            match read_nowait(file, at) {
                Ok(true) => {}
                Ok(false) => return false,
                Err(e) => {
                    if matches!(
                        e.raw_os_error(),
                        Some(libc::ENOSYS | libc::EINVAL | libc::EOPNOTSUPP)
                    ) {
                        METHOD.store(NOTHING, Ordering::Relaxed);
                    }
                    return false;
                }
            }
        }
        true
    }

    /// Reads one byte at `at` only if it is cached: `Ok(false)` if it is not (or is past the
    /// end of the file).
    fn read_nowait(file: &File, at: u64) -> std::io::Result<bool> {
        let mut byte = 0u8;
        let iov = libc::iovec {
            iov_base: (&mut byte as *mut u8).cast(),
            iov_len: 1,
        };
        let offset = i64::try_from(at).map_err(|_| {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "file offset too large")
        })?;
        // SAFETY: `iov` describes one writable byte on this stack frame, live for the call;
        // the descriptor belongs to `file`.
        let n = unsafe { libc::preadv2(file.as_raw_fd(), &iov, 1, offset, libc::RWF_NOWAIT) };
        if n >= 0 {
            return Ok(n == 1);
        }
        let e = std::io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EAGAIN) => Ok(false),
            _ => Err(e),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    fn content(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 % 251) as u8).collect()
    }

    async fn pair() -> (TcpStream, TcpStream) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (client, server) = tokio::join!(TcpStream::connect(addr), listener.accept());
        (server.unwrap().0, client.unwrap())
    }

    #[tokio::test]
    async fn sends_ranges_larger_than_the_socket_buffer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let data = content(3 * WINDOW as usize + 12_345);
        std::fs::write(&path, &data).unwrap();
        let file = Arc::new(File::open(&path).unwrap());
        for (start, len) in [
            (0, data.len()),
            (1, 10),
            (WINDOW as usize - 3, 7),
            (12_345, 2 * WINDOW as usize),
        ] {
            let (server, mut client) = pair().await;
            let reader = tokio::spawn(async move {
                let mut got = Vec::new();
                client.read_to_end(&mut got).await.unwrap();
                got
            });
            send_bytes(&server, b"head:", true).await.unwrap();
            send_file(&server, &file, start as u64, len as u64)
                .await
                .unwrap();
            drop(server);
            let got = reader.await.unwrap();
            assert_eq!(&got[..5], b"head:");
            assert!(got[5..] == data[start..start + len], "{start}+{len}");
        }
    }

    #[tokio::test]
    async fn truncated_file_and_gone_client() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, content(1000)).unwrap();
        let file = Arc::new(File::open(&path).unwrap());
        let (server, client) = pair().await;
        match send_file(&server, &file, 900, 200).await {
            Err(SendError::Truncated(1000)) => {}
            other => panic!("expected Truncated(1000), got {other:?}"),
        }
        drop(client);
        // The peer's RST arrives asynchronously; keep writing until the kernel reports it.
        let big = Arc::new({
            let p = dir.path().join("big");
            std::fs::write(&p, content(8 << 20)).unwrap();
            File::open(&p).unwrap()
        });
        let mut result = Ok(());
        for _ in 0..50 {
            result = send_file(&server, &big, 0, 8 << 20).await;
            if result.is_err() {
                break;
            }
        }
        assert!(
            matches!(result, Err(SendError::Disconnected(_))),
            "{result:?}"
        );
    }

    /// Evicts the file from the page cache (where the file system allows it), so the range
    /// is read on the blocking pool before it is sent.
    #[tokio::test]
    async fn cold_ranges_are_read_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let data = content(3 << 20);
        std::fs::write(&path, &data).unwrap();
        let file = Arc::new(File::open(&path).unwrap());
        file.sync_all().unwrap();
        // SAFETY: plain syscall on an open descriptor.
        let rc = unsafe { libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED) };
        assert_eq!(rc, 0);
        let evicted = !page_cache::holds(&file, 1 << 20, 1 << 20);
        let (server, mut client) = pair().await;
        let reader = tokio::spawn(async move {
            let mut got = Vec::new();
            client.read_to_end(&mut got).await.unwrap();
            got
        });
        send_file(&server, &file, 1000, (2 << 20) + 5)
            .await
            .unwrap();
        drop(server);
        let got = reader.await.unwrap();
        assert!(
            got == data[1000..1000 + (2 << 20) + 5],
            "evicted: {evicted}"
        );
        assert!(
            page_cache::holds(&file, 1 << 20, 1 << 20),
            "evicted: {evicted}"
        );
    }

    #[test]
    fn page_cache_check_sees_a_written_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, content(100_000)).unwrap();
        let file = File::open(&path).unwrap();
        // Just written: in the page cache, whichever method this kernel offers.
        assert!(page_cache::holds(&file, 0, 100_000));
        assert!(page_cache::holds(&file, 4095, 2));
    }
}
