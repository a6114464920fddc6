//! Reading an adapter's lines without trusting their length: a line is gathered chunk by
//! chunk from the pipe, and once it passes the limit only its head is kept while the rest
//! is counted and dropped, so a 100 MB line costs no more memory than a 1 MB one.

use tokio::io::{AsyncBufRead, AsyncBufReadExt};

/// Bytes kept of a line over the limit: enough to show it began and to find its id.
pub const HEAD_BYTES: usize = 1024;

/// One line from the adapter, without its newline.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    Whole(Vec<u8>),
    /// Over the limit: its first [`HEAD_BYTES`] and its length in bytes.
    TooLong {
        head: Vec<u8>,
        bytes: u64,
    },
}

/// The next line of `reader`, holding at most `limit` bytes of it; `None` at the end of
/// the stream. A last line without a newline still counts as a line.
pub async fn next_line<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    limit: usize,
) -> std::io::Result<Option<Line>> {
    let mut line = Vec::new();
    let mut bytes: u64 = 0;
    loop {
        let chunk = reader.fill_buf().await?;
        if chunk.is_empty() {
            return Ok((bytes > 0).then(|| finish(line, bytes, limit)));
        }
        let newline = memchr::memchr(b'\n', chunk);
        let part = &chunk[..newline.unwrap_or(chunk.len())];
        bytes += part.len() as u64;
        if bytes <= limit as u64 {
            line.extend_from_slice(part);
        } else if line.len() < HEAD_BYTES {
            let room = HEAD_BYTES - line.len();
            line.extend_from_slice(&part[..room.min(part.len())]);
        }
        if bytes > limit as u64 {
            // Past the limit: what was kept beyond the head goes at once.
            line.truncate(HEAD_BYTES);
        }
        let used = newline.map_or(chunk.len(), |at| at + 1);
        reader.consume(used);
        if newline.is_some() {
            return Ok(Some(finish(line, bytes, limit)));
        }
    }
}

fn finish(line: Vec<u8>, bytes: u64, limit: usize) -> Line {
    if bytes > limit as u64 {
        Line::TooLong { head: line, bytes }
    } else {
        Line::Whole(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::BufReader;

    async fn lines(input: &[u8], limit: usize, buffer: usize) -> Vec<Line> {
        let mut reader = BufReader::with_capacity(buffer, input);
        let mut out = Vec::new();
        while let Some(line) = next_line(&mut reader, limit).await.unwrap() {
            out.push(line);
        }
        out
    }

    #[tokio::test]
    async fn lines_split_on_newlines_across_chunks() {
        let got = lines(b"ab\ncdef\n\ngh", 100, 3).await;
        assert_eq!(
            got,
            vec![
                Line::Whole(b"ab".to_vec()),
                Line::Whole(b"cdef".to_vec()),
                Line::Whole(Vec::new()),
                Line::Whole(b"gh".to_vec()),
            ]
        );
    }

    #[tokio::test]
    async fn a_line_over_the_limit_keeps_only_its_head_and_its_length() {
        let mut input = vec![b'x'; 10 * HEAD_BYTES];
        input.extend_from_slice(b"\nok\n");
        let got = lines(&input, 2 * HEAD_BYTES, 700).await;
        assert_eq!(
            got,
            vec![
                Line::TooLong {
                    head: vec![b'x'; HEAD_BYTES],
                    bytes: 10 * HEAD_BYTES as u64
                },
                Line::Whole(b"ok".to_vec()),
            ]
        );
        let exactly = lines(&input[..2 * HEAD_BYTES], 2 * HEAD_BYTES, 64).await;
        assert_eq!(exactly, vec![Line::Whole(vec![b'x'; 2 * HEAD_BYTES])]);
    }
}
