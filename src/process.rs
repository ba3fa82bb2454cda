//! The one subprocess runner (ffmpeg, ffprobe).
//!
//! Every external program goes through [`run`]: stdin is closed, stdout and
//! stderr are read concurrently (a chatty child can never deadlock on a full
//! pipe), a timeout kills the child, and dropping the future kills it too
//! (`kill_on_drop`). The child's stderr ends up in [`ProcessError::Failed`]
//! for logs; it must never be copied into an HTTP response.

use std::ffi::OsString;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;

/// How much of the child's stderr is kept in memory (the tail wins).
const STDERR_KEEP: usize = 64 * 1024;
/// How much of the stderr tail goes into [`ProcessError::Failed`].
const STDERR_IN_ERROR: usize = 2 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    #[error("{program} not found on PATH (install ffmpeg)")]
    NotFound { program: String },
    #[error("cannot start {program}: {source}")]
    Spawn {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{program} timed out after {timeout:?}")]
    Timeout { program: String, timeout: Duration },
    #[error("{program} exited with {status}: {stderr}")]
    Failed {
        program: String,
        /// "status 1" or "signal 9".
        status: String,
        /// The last ~2 KiB of stderr, trimmed.
        stderr: String,
    },
}

/// What a successful run printed.
#[derive(Debug, Clone, Default)]
pub struct ProcessOutput {
    pub stdout: Vec<u8>,
    /// Stderr, lossily decoded; only the last 64 KiB are kept.
    pub stderr: String,
}

/// Runs `program args…` to completion, with `timeout` as a hard limit.
///
/// A non-zero exit is [`ProcessError::Failed`] carrying the tail of stderr.
/// Stdout is collected whole, so use this for commands with bounded output.
pub async fn run(
    program: &Path,
    args: &[OsString],
    timeout: Duration,
) -> Result<ProcessOutput, ProcessError> {
    let name = program.display().to_string();
    tracing::debug!(program = %name, ?args, "running subprocess");

    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                ProcessError::NotFound {
                    program: name.clone(),
                }
            } else {
                ProcessError::Spawn {
                    program: name.clone(),
                    source,
                }
            }
        })?;

    let stdout = child.stdout.take();
    let stderr = child.stderr.take();

    let finished = tokio::time::timeout(timeout, async {
        tokio::join!(
            read_all(stdout),
            read_tail(stderr, STDERR_KEEP),
            child.wait()
        )
    })
    .await;

    let (stdout, stderr, status) = match finished {
        Ok(done) => done,
        Err(_elapsed) => {
            // The pipes were dropped with the timed-out future; make sure the
            // child is gone and reaped before reporting.
            let _ = child.start_kill();
            let _ = child.wait().await;
            return Err(ProcessError::Timeout {
                program: name,
                timeout,
            });
        }
    };

    let status = status.map_err(|source| ProcessError::Spawn {
        program: name.clone(),
        source,
    })?;
    // A read error on a pipe is not fatal by itself: the exit status decides.
    let stdout = stdout.unwrap_or_default();
    let stderr = String::from_utf8_lossy(&stderr.unwrap_or_default()).into_owned();

    if !status.success() {
        return Err(ProcessError::Failed {
            program: name,
            status: describe_status(status),
            stderr: stderr_tail(&stderr, STDERR_IN_ERROR),
        });
    }
    Ok(ProcessOutput { stdout, stderr })
}

async fn read_all<R: AsyncRead + Unpin>(pipe: Option<R>) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    if let Some(mut pipe) = pipe {
        pipe.read_to_end(&mut buf).await?;
    }
    Ok(buf)
}

/// Reads the pipe to its end, keeping only the last `keep` bytes (roughly).
async fn read_tail<R: AsyncRead + Unpin>(pipe: Option<R>, keep: usize) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    let Some(mut pipe) = pipe else {
        return Ok(buf);
    };
    let mut chunk = [0u8; 8192];
    loop {
        let n = pipe.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        if buf.len() > 2 * keep {
            let excess = buf.len() - keep;
            buf.drain(..excess);
        }
    }
    if buf.len() > keep {
        let excess = buf.len() - keep;
        buf.drain(..excess);
    }
    Ok(buf)
}

fn describe_status(status: ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("status {code}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return format!("signal {signal}");
        }
    }
    status.to_string()
}

/// The last `max` bytes of `s` (cut on a char boundary), trimmed.
fn stderr_tail(s: &str, max: usize) -> String {
    let s = s.trim();
    if s.is_empty() {
        return "no output on stderr".to_owned();
    }
    let mut start = s.len().saturating_sub(max);
    while !s.is_char_boundary(start) {
        start += 1;
    }
    let tail = s[start..].trim_start();
    if start > 0 {
        format!("…{tail}")
    } else {
        tail.to_owned()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use std::time::Instant;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[tokio::test]
    async fn missing_program_is_not_found() {
        let err = run(
            Path::new("kinora-no-such-program-xyz"),
            &[],
            Duration::from_secs(5),
        )
        .await
        .unwrap_err();
        match &err {
            ProcessError::NotFound { program } => {
                assert_eq!(program, "kinora-no-such-program-xyz")
            }
            other => panic!("expected NotFound, got {other:?}"),
        }
        assert_eq!(
            err.to_string(),
            "kinora-no-such-program-xyz not found on PATH (install ffmpeg)"
        );
    }

    #[tokio::test]
    async fn missing_absolute_program_is_not_found() {
        let err = run(
            Path::new("/nonexistent/dir/ffprobe"),
            &[],
            Duration::from_secs(5),
        )
        .await
        .unwrap_err();
        assert!(
            matches!(&err, ProcessError::NotFound { program } if program == "/nonexistent/dir/ffprobe"),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn non_executable_file_is_a_spawn_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("not-executable");
        std::fs::write(&path, "#!/bin/sh\necho hi\n").unwrap();
        let err = run(&path, &[], Duration::from_secs(5)).await.unwrap_err();
        assert!(matches!(err, ProcessError::Spawn { .. }), "{err:?}");
    }

    #[tokio::test]
    async fn false_is_failed_with_status() {
        let err = run(Path::new("false"), &[], Duration::from_secs(5))
            .await
            .unwrap_err();
        match err {
            ProcessError::Failed {
                program,
                status,
                stderr,
            } => {
                assert_eq!(program, "false");
                assert_eq!(status, "status 1");
                assert_eq!(stderr, "no output on stderr");
            }
            other => panic!("expected Failed, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn failure_carries_trimmed_stderr() {
        let err = run(
            Path::new("sh"),
            &args(&["-c", "echo '  moov atom not found  ' >&2; exit 3"]),
            Duration::from_secs(5),
        )
        .await
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "sh exited with status 3: moov atom not found"
        );
    }

    #[tokio::test]
    async fn failure_keeps_only_the_stderr_tail() {
        // 100 KiB of 'a' then a final line: the error holds ~2 KiB ending in it.
        let err = run(
            Path::new("sh"),
            &args(&[
                "-c",
                "head -c 102400 /dev/zero | tr '\\0' a >&2; echo >&2; echo 'the real reason' >&2; exit 1",
            ]),
            Duration::from_secs(10),
        )
        .await
        .unwrap_err();
        let ProcessError::Failed { stderr, .. } = err else {
            panic!("expected Failed");
        };
        assert!(stderr.ends_with("the real reason"), "{stderr:?}");
        assert!(stderr.starts_with('…'), "{stderr:?}");
        assert!(stderr.len() <= STDERR_IN_ERROR + '…'.len_utf8());
        assert!(stderr.len() > 1024);
    }

    #[tokio::test]
    async fn timeout_kills_quickly() {
        let started = Instant::now();
        let err = run(
            Path::new("sleep"),
            &args(&["5"]),
            Duration::from_millis(100),
        )
        .await
        .unwrap_err();
        let elapsed = started.elapsed();
        match err {
            ProcessError::Timeout { program, timeout } => {
                assert_eq!(program, "sleep");
                assert_eq!(timeout, Duration::from_millis(100));
            }
            other => panic!("expected Timeout, got {other:?}"),
        }
        assert!(elapsed < Duration::from_secs(2), "took {elapsed:?}");
    }

    #[tokio::test]
    async fn large_stdout_is_read_whole() {
        let out = run(
            Path::new("head"),
            &args(&["-c", "1000000", "/dev/zero"]),
            Duration::from_secs(10),
        )
        .await
        .unwrap();
        assert_eq!(out.stdout.len(), 1_000_000);
        assert!(out.stdout.iter().all(|&b| b == 0));
        assert_eq!(out.stderr, "");
    }

    #[tokio::test]
    async fn large_stdout_and_stderr_together_do_not_deadlock() {
        // Both pipes far beyond the 64 KiB pipe buffer, interleaved.
        let out = run(
            Path::new("sh"),
            &args(&[
                "-c",
                "head -c 500000 /dev/zero | tr '\\0' e >&2; head -c 700000 /dev/zero; head -c 500000 /dev/zero | tr '\\0' f >&2",
            ]),
            Duration::from_secs(10),
        )
        .await
        .unwrap();
        assert_eq!(out.stdout.len(), 700_000);
        assert_eq!(out.stderr.len(), STDERR_KEEP);
        assert!(out.stderr.chars().all(|c| c == 'f'));
    }

    #[tokio::test]
    async fn stdout_and_stderr_of_success() {
        let out = run(
            Path::new("sh"),
            &args(&["-c", "printf out; printf err >&2"]),
            Duration::from_secs(5),
        )
        .await
        .unwrap();
        assert_eq!(out.stdout, b"out");
        assert_eq!(out.stderr, "err");
    }

    #[tokio::test]
    async fn stdin_is_closed() {
        // `cat` with no args reads stdin: a null stdin makes it end at once.
        let out = run(Path::new("cat"), &[], Duration::from_secs(5))
            .await
            .unwrap();
        assert!(out.stdout.is_empty());
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn non_utf8_arguments_pass_through() {
        use std::os::unix::ffi::OsStringExt;
        let arg = OsString::from_vec(vec![b'a', 0xff, b'b']);
        let out = run(
            Path::new("printf"),
            &[OsString::from("%s"), arg],
            Duration::from_secs(5),
        )
        .await
        .unwrap();
        assert_eq!(out.stdout, vec![b'a', 0xff, b'b']);
    }

    #[test]
    fn tail_cuts_on_char_boundary() {
        let s = "ééééé"; // 10 bytes
        assert_eq!(stderr_tail(s, 3), "…é");
        assert_eq!(stderr_tail("  short \n", 100), "short");
    }
}
