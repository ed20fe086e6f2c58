//! Decoding one [`Input`] into records, skips and problems.
//!
//! What a top-level value may be, and what happens to it:
//!
//! | shape | result |
//! |---|---|
//! | `{"Records":[…]}` (S3 log object) or a bare array | each element is a record |
//! | a CloudTrail record (has `eventVersion`, `eventName`, `eventSource`, `eventID` or `userIdentity`) | a record (NDJSON, CloudWatch Logs export) |
//! | EventBridge envelope (`detail-type` + `detail`) | `detail` is the record |
//! | CloudWatch Logs subscription payload (`messageType: DATA_MESSAGE`) | each `logEvents[].message` is parsed as a record |
//! | `CONTROL_MESSAGE`, digest file (`digestStartTime`/`logFiles`), `"CloudTrail validation message."` | [`Item::Skipped`], not a problem |
//! | anything else | [`Problem`]: not CloudTrail |
//!
//! Gzip is detected from the magic bytes, not the file name. A truncated or corrupt gzip stream is
//! a problem; the records read before the damage are kept.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::sync::Arc;

use flate2::read::MultiGzDecoder;
use serde_json::Value;

use super::head::{self, Context};
use super::split::{split_line, Piece, SplitError, Splitter};
use super::{Input, Problem};
use crate::record::{Location, RawRecord, Record};

/// What decoding produced.
#[derive(Debug)]
pub enum Item {
    Record(Record),
    /// A record left unparsed (only with [`Decoder::with_raw`]): valid JSON, an object, and a
    /// CloudTrail record by the same rules as [`Item::Record`].
    Raw(RawRecord),
    /// Valid input that carries no records (digest file, control message…), with the reason.
    Skipped(Skipped),
    Problem(Problem),
}

/// Input that is recognised and deliberately ignored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub location: Location,
    pub reason: &'static str,
}

/// Iterates over the [`Item`]s of one input.
pub struct Decoder {
    name: Arc<str>,
    splitter: Splitter<Box<dyn BufRead + Send>>,
    limit: usize,
    pending: VecDeque<Item>,
    raw: bool,
}

/// The first two bytes of a gzip member (how gzip is recognised, whatever the name).
pub(crate) const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

impl Decoder {
    /// `limit` bounds each record's size in bytes (see [`super::MAX_RECORD_BYTES`]).
    pub fn new(input: Input, limit: usize) -> Decoder {
        let mut pending = VecDeque::new();
        let mut buffered = BufReader::with_capacity(64 * 1024, input.reader);
        let gz = match buffered.fill_buf() {
            Ok(buf) => buf.starts_with(&GZIP_MAGIC),
            Err(e) => {
                pending.push_back(Item::Problem(Problem::new(
                    Location::new(input.name.clone(), None, None),
                    format!("cannot read: {e}"),
                )));
                false
            }
        };
        let reader: Box<dyn BufRead + Send> = if gz {
            Box::new(BufReader::with_capacity(
                64 * 1024,
                MultiGzDecoder::new(buffered),
            ))
        } else {
            Box::new(buffered)
        };
        Decoder {
            name: input.name,
            splitter: Splitter::new(reader, input.layout, limit),
            limit,
            pending,
            raw: false,
        }
    }

    /// Decodes complete lines of an uncompressed [`super::Layout::Lines`] input held in memory (a
    /// slice cut at a newline, starting at line `first_line`): read in place, without the
    /// buffering a stream needs.
    pub fn lines_slice(name: Arc<str>, bytes: Vec<u8>, first_line: u64, limit: usize) -> Decoder {
        let reader: Box<dyn BufRead + Send> = Box::new(std::io::Cursor::new(bytes));
        let mut splitter = Splitter::new(reader, super::Layout::Lines, limit);
        splitter.continue_at(first_line);
        Decoder {
            name,
            splitter,
            limit,
            pending: VecDeque::new(),
            raw: false,
        }
    }

    /// Yields plain records as [`Item::Raw`] (bytes, `eventID`, `eventTime`) instead of parsing
    /// them; anything unusual still goes through the `Value` path (see [`super::head`]).
    pub fn with_raw(mut self, on: bool) -> Decoder {
        self.raw = on;
        self
    }

    /// Decodes a stream that starts at line `line` of its input (see [`Splitter::continue_at`]).
    pub fn continuing_at(mut self, line: u64) -> Decoder {
        self.splitter.continue_at(line);
        self
    }

    /// An [`Item::Raw`] if raw mode is on and `bytes` is plainly a record; gives `bytes` back
    /// otherwise.
    fn try_raw(
        &mut self,
        bytes: Vec<u8>,
        context: Context,
        line: u64,
        index: Option<u64>,
    ) -> Option<Vec<u8>> {
        if !self.raw {
            return Some(bytes);
        }
        let Some(h) = head::read(&bytes, context) else {
            return Some(bytes);
        };
        let location = self.loc(Some(line), index);
        self.pending.push_back(Item::Raw(RawRecord {
            bytes,
            location,
            event_id: h.event_id,
            event_time: h.event_time,
        }));
        None
    }

    fn loc(&self, line: Option<u64>, record: Option<u64>) -> Location {
        Location::new(self.name.clone(), line, record)
    }

    fn problem(&mut self, line: Option<u64>, record: Option<u64>, message: impl Into<String>) {
        let p = Problem::new(self.loc(line, record), message);
        self.pending.push_back(Item::Problem(p));
    }

    fn split_error(&mut self, e: SplitError) {
        let line = Some(e.line());
        match e {
            SplitError::Io { source, .. } => {
                let what = if source.kind() == std::io::ErrorKind::UnexpectedEof {
                    "input ends early (truncated gzip?)".to_string()
                } else {
                    format!("read error (corrupt gzip?): {source}")
                };
                self.problem(line, None, what);
            }
            SplitError::Syntax { message, .. } => {
                self.problem(line, None, format!("invalid JSON: {message}"))
            }
            SplitError::TooLarge { index, limit, .. } => self.problem(
                line,
                index,
                format!("record larger than {limit} bytes, skipped"),
            ),
        }
    }

    fn element(&mut self, bytes: &[u8], line: u64, index: u64) {
        match serde_json::from_slice::<Value>(bytes) {
            Ok(v @ Value::Object(_)) => {
                let loc = self.loc(Some(line), Some(index));
                self.pending.push_back(Item::Record(Record::new(v, loc)));
            }
            Ok(_) => self.problem(Some(line), Some(index), "record is not a JSON object"),
            Err(e) => self.problem(Some(line), Some(index), format!("invalid JSON: {e}")),
        }
    }

    fn value(&mut self, bytes: &[u8], line: u64) {
        let v = match serde_json::from_slice::<Value>(bytes) {
            Ok(v) => v,
            Err(e) => return self.problem(Some(line), None, format!("invalid JSON: {e}")),
        };
        self.classify(v, line);
    }

    fn classify(&mut self, v: Value, line: u64) {
        let loc = self.loc(Some(line), None);
        let Value::Object(map) = v else {
            if v.as_str() == Some("CloudTrail validation message.") {
                return self.skip(loc, "CloudTrail validation message");
            }
            return self.problem(
                Some(line),
                None,
                "not CloudTrail: a JSON value that is not an object",
            );
        };
        if map.contains_key("detail-type") {
            return match map.get("detail") {
                Some(detail @ Value::Object(_)) if looks_like_record(detail) => self
                    .pending
                    .push_back(Item::Record(Record::new(detail.clone(), loc))),
                _ => self.problem(
                    Some(line),
                    None,
                    "not CloudTrail: EventBridge event whose detail is not a CloudTrail record",
                ),
            };
        }
        match map.get("messageType").and_then(Value::as_str) {
            Some("DATA_MESSAGE") => return self.log_events(map.get("logEvents"), line),
            Some("CONTROL_MESSAGE") => return self.skip(loc, "CloudWatch Logs control message"),
            _ => {}
        }
        if map.contains_key("digestStartTime")
            || (map.contains_key("logFiles") && map.contains_key("awsAccountId"))
        {
            return self.skip(loc, "CloudTrail digest file");
        }
        let v = Value::Object(map);
        if looks_like_record(&v) {
            return self.pending.push_back(Item::Record(Record::new(v, loc)));
        }
        let keys: Vec<&str> = v
            .as_object()
            .into_iter()
            .flat_map(|m| m.keys().map(String::as_str))
            .take(5)
            .collect();
        self.problem(
            Some(line),
            None,
            format!("not CloudTrail: an object with keys [{}] is neither a record, a log file, an EventBridge event nor a CloudWatch Logs payload", keys.join(", ")),
        );
    }

    fn log_events(&mut self, events: Option<&Value>, line: u64) {
        let Some(events) = events.and_then(Value::as_array) else {
            return self.problem(
                Some(line),
                None,
                "CloudWatch Logs payload without a logEvents array",
            );
        };
        for (i, ev) in events.iter().enumerate() {
            let i = i as u64;
            let Some(message) = ev.get("message").and_then(Value::as_str) else {
                self.problem(Some(line), Some(i), "log event without a message string");
                continue;
            };
            if message.len() > self.limit {
                self.problem(
                    Some(line),
                    Some(i),
                    format!("record larger than {} bytes, skipped", self.limit),
                );
                continue;
            }
            match serde_json::from_str::<Value>(message) {
                Ok(v) if looks_like_record(&v) => {
                    let loc = self.loc(Some(line), Some(i));
                    self.pending.push_back(Item::Record(Record::new(v, loc)));
                }
                Ok(_) => self.problem(
                    Some(line),
                    Some(i),
                    "not CloudTrail: log event message is not a CloudTrail record",
                ),
                Err(e) => self.problem(
                    Some(line),
                    Some(i),
                    format!("invalid JSON in log event message: {e}"),
                ),
            }
        }
    }

    fn skip(&mut self, location: Location, reason: &'static str) {
        self.pending
            .push_back(Item::Skipped(Skipped { location, reason }));
    }
}

impl Iterator for Decoder {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        loop {
            if let Some(item) = self.pending.pop_front() {
                return Some(item);
            }
            let piece = self.splitter.next_piece()?;
            self.piece(piece);
        }
    }
}

impl Decoder {
    fn piece(&mut self, piece: Result<Piece, SplitError>) {
        match piece {
            Ok(Piece::Element { bytes, line, index }) => {
                if let Some(bytes) = self.try_raw(bytes, Context::Element, line, Some(index)) {
                    self.element(&bytes, line, index)
                }
            }
            Ok(Piece::Value { bytes, line }) => {
                if let Some(bytes) = self.try_raw(bytes, Context::TopLevel, line, None) {
                    self.value(&bytes, line)
                }
            }
            Ok(Piece::Line { bytes, line }) => {
                let Some(bytes) = self.try_raw(bytes, Context::TopLevel, line, None) else {
                    return;
                };
                // One JSON value on the line: exactly the piece the splitter would have cut.
                // Anything else: split the line properly, for the same pieces and messages.
                match serde_json::from_slice::<Value>(&bytes) {
                    Ok(v) => self.classify(v, line),
                    Err(_) => {
                        for piece in split_line(&bytes, line, self.limit) {
                            self.piece(piece);
                        }
                    }
                }
            }
            Err(e) => self.split_error(e),
        }
    }
}

/// A CloudTrail record has at least one of its characteristic fields.
fn looks_like_record(v: &Value) -> bool {
    [
        "eventVersion",
        "eventName",
        "eventSource",
        "eventID",
        "userIdentity",
    ]
    .iter()
    .any(|k| v.get(k).is_some())
}

/// Decodes a whole input in memory — for tests and small payloads.
pub fn decode_all(name: &str, bytes: Vec<u8>, layout: super::Layout, limit: usize) -> Vec<Item> {
    let input = Input {
        name: name.into(),
        reader: Box::new(std::io::Cursor::new(bytes)) as Box<dyn Read + Send>,
        layout,
        complete: true,
        file: None,
    };
    Decoder::new(input, limit).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Layout;

    use crate::source::testing::gz;

    fn summary(items: &[Item]) -> Vec<String> {
        items
            .iter()
            .map(|i| match i {
                Item::Record(r) => {
                    format!("record {} @{}", r.event_name().unwrap_or("?"), r.location)
                }
                Item::Raw(r) => format!("raw {:?} @{}", r.event_id, r.location),
                Item::Skipped(s) => format!("skipped {} @{}", s.reason, s.location),
                Item::Problem(p) => format!("problem {p}"),
            })
            .collect()
    }

    #[test]
    fn gzip_records_object() {
        let data = gz(br#"{"Records":[{"eventName":"A"},{"eventName":"B"}]}"#);
        let items = decode_all("f.json.gz", data, Layout::Document, 1000);
        assert_eq!(
            summary(&items),
            vec![
                "record A @f.json.gz:1 (record 0)",
                "record B @f.json.gz:1 (record 1)"
            ]
        );
    }

    #[test]
    fn truncated_gzip_keeps_earlier_records_and_reports() {
        // Records that do not compress away, so the cut loses only the end of the stream.
        let records: Vec<String> = (0..400)
            .map(|i| {
                format!(
                    r#"{{"eventName":"E{i}","eventID":"{:x}"}}"#,
                    i * 2654435761u64
                )
            })
            .collect();
        let body = format!(r#"{{"Records":[{}]}}"#, records.join(","));
        let mut data = gz(body.as_bytes());
        data.truncate(data.len() - 30);
        let items = decode_all("t.json.gz", data, Layout::Document, 100_000);
        let s = summary(&items);
        assert_eq!(s[0], "record E0 @t.json.gz:1 (record 0)");
        assert!(
            items
                .iter()
                .filter(|i| matches!(i, Item::Record(_)))
                .count()
                > 100
        );
        assert!(s.last().unwrap().contains("truncated gzip"), "{s:?}");
    }

    #[test]
    fn envelopes_digests_and_garbage() {
        let input = concat!(
            r#"{"version":"0","detail-type":"AWS API Call via CloudTrail","source":"aws.ec2","detail":{"eventVersion":"1.08","eventName":"CreateVpc"}}"#,
            "\n",
            r#"{"awsAccountId":"1","digestStartTime":"x","logFiles":[]}"#,
            "\n",
            r#"{"hello":"world"}"#,
            "\n",
            "not json\n",
            r#"{"eventName":"DeleteVpc"}"#,
            "\n"
        );
        let items = decode_all("s", input.as_bytes().to_vec(), Layout::Auto, 1000);
        let s = summary(&items);
        assert_eq!(s[0], "record CreateVpc @s:1");
        assert_eq!(s[1], "skipped CloudTrail digest file @s:2");
        assert!(s[2].starts_with("problem s:3: not CloudTrail"), "{s:?}");
        assert!(s[3].starts_with("problem s:4: invalid JSON"), "{s:?}");
        assert_eq!(s[4], "record DeleteVpc @s:5");
    }

    #[test]
    fn cloudwatch_logs_subscription_payload() {
        let rec = r#"{"eventVersion":"1.08","eventName":"StopLogging"}"#;
        let payload = serde_json::json!({
            "messageType": "DATA_MESSAGE", "owner": "1", "logGroup": "g", "logStream": "s",
            "logEvents": [{"id": "1", "timestamp": 1, "message": rec}, {"id": "2", "timestamp": 2, "message": "oops"}]
        });
        let items = decode_all(
            "p.gz",
            gz(payload.to_string().as_bytes()),
            Layout::Auto,
            1000,
        );
        let s = summary(&items);
        assert_eq!(s[0], "record StopLogging @p.gz:1 (record 0)");
        assert!(
            s[1].starts_with("problem p.gz:1 (record 1): invalid JSON"),
            "{s:?}"
        );
        let control = gz(br#"{"messageType":"CONTROL_MESSAGE","logEvents":[]}"#);
        let s = summary(&decode_all("c", control, Layout::Auto, 1000));
        assert_eq!(s, vec!["skipped CloudWatch Logs control message @c:1"]);
    }
}
