//! An SQS queue that CloudTrail, S3 or EventBridge feed; messages are deleted only once their
//! alerts are out.
//!
//! Which SOURCE is a queue: an `http(s)://` URL whose path is `/<12-digit account>/<name>` (what
//! `GetQueueUrl` returns, for AWS as for moto/LocalStack), or `sqs://<queue name>` (resolved with
//! `GetQueueUrl` in the configured region).
//!
//! | message body | inputs |
//! |---|---|
//! | S3 event notification `{"Records":[{"eventSource":"aws:s3",…}]}` (direct or in an SNS envelope) | each `ObjectCreated:*` key (URL-decoded) that is a CloudTrail log file, fetched |
//! | CloudTrail's SNS notification `{"s3Bucket":…,"s3ObjectKey":[…]}` (usually in an SNS envelope) | each key, fetched |
//! | EventBridge `… via CloudTrail` event, a bare CloudTrail record, a `{"Records":[…]}` log document, a CloudWatch Logs subscription payload (JSON, gzip+base64, or a Lambda `{"awslogs":{"data":…}}`) | the body itself |
//! | `s3:TestEvent`, `CloudTrail validation message.`, non-log keys (digest, Insight) | none; deleted |
//! | anything else | a [`Problem`]; the message stays for redelivery (and the queue's redrive policy) |
//!
//! A message is deleted when every input it produced was [`Source::finished`] cleanly — the
//! engine calls that only after the input's alerts went to the sink — so a crash or a malformed
//! object leaves it in the queue. A background task receives ahead (a bounded queue of
//! messages) and fetches the objects of one receive concurrently. Receiving long-polls (`WaitTimeSeconds`); with `once` the source ends at the
//! first empty receive, with `max_messages` after that many messages.

use std::collections::{HashMap, VecDeque};
use std::io::{Cursor, Read};
use std::sync::Arc;

use serde_json::Value;
use trailwarden_aws::sdk::SdkOptions;

use super::aws::{self, error_text, is_log_key, problem, Clients};
use super::{Input, Layout, Problem, Source};

/// How to read the queue.
#[derive(Clone, Debug)]
pub struct SqsOptions {
    /// Stop at the first receive that returns nothing.
    pub once: bool,
    /// Stop after this many messages (`None`: run until interrupted).
    pub max_messages: Option<u64>,
    /// Long-poll wait per receive, 0–20 seconds.
    pub wait_seconds: i32,
    /// Visibility timeout asked for each receive (`None`: the queue's).
    pub visibility_timeout: Option<i32>,
}

impl Default for SqsOptions {
    fn default() -> Self {
        SqsOptions {
            once: false,
            max_messages: None,
            wait_seconds: 20,
            visibility_timeout: None,
        }
    }
}

/// Is this SOURCE a queue? (`sqs://name`, or an http(s) URL with a `/<12 digits>/<name>` path.)
pub fn is_queue(source: &str) -> bool {
    if source.starts_with("sqs://") {
        return true;
    }
    let Some(rest) = source
        .strip_prefix("https://")
        .or_else(|| source.strip_prefix("http://"))
    else {
        return false;
    };
    let mut path = rest.split('/').skip(1);
    matches!(
        (path.next(), path.next(), path.next()),
        (Some(acct), Some(name), None)
            if acct.len() == 12 && acct.bytes().all(|b| b.is_ascii_digit()) && !name.is_empty()
    )
}

/// The region in an AWS queue URL (`https://sqs.<region>.amazonaws.com/…`).
pub fn queue_region(url: &str) -> Option<String> {
    let host = url.split("://").nth(1)?.split('/').next()?;
    let rest = host.strip_prefix("sqs.")?;
    let (region, tail) = rest.split_once('.')?;
    tail.starts_with("amazonaws.com")
        .then(|| region.to_string())
}

/// Counters of a run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SqsCounts {
    pub received: u64,
    pub deleted: u64,
    /// Messages with nothing to read (test events, validation messages, non-log keys).
    pub ignored: u64,
    /// Messages left in the queue because something about them failed.
    pub left: u64,
}

/// One received message still in flight.
struct Pending {
    receipt: String,
    /// Inputs handed out and not yet finished.
    open: usize,
    clean: bool,
}

/// A received message, classified and with its objects fetched, on its way to the matching thread.
struct Received {
    id: String,
    receipt: String,
    origin: String,
    work: Result<Vec<Result<Input, Problem>>, String>,
}

/// The SQS source. See the module docs.
///
/// A background task receives, classifies and fetches (the next messages are ready while the
/// current ones are matched) and hands them over through a bounded queue; deletions are sent off
/// without waiting, and awaited once the source is exhausted.
pub struct SqsSource {
    runtime: tokio::runtime::Runtime,
    clients: Clients,
    queue_url: String,
    rx: tokio::sync::mpsc::Receiver<Received>,
    queue: VecDeque<Result<Input, Problem>>,
    /// Message id → its state.
    messages: HashMap<String, Pending>,
    /// Input name → the message ids it was handed out for (oldest first).
    owners: HashMap<Arc<str>, VecDeque<String>>,
    deletes: Vec<tokio::task::JoinHandle<(String, Result<(), String>)>>,
    pub counts: SqsCounts,
}

/// What a message asks us to read.
#[derive(Debug, PartialEq, Eq)]
enum Work {
    Body(Vec<u8>),
    Object { bucket: String, key: String },
}

/// Messages received ahead of matching.
const PREFETCH: usize = 20;

impl SqsSource {
    /// Connects (and resolves `sqs://name`). Fails only when the runtime cannot start or the
    /// queue name cannot be resolved.
    pub fn new(
        source: &str,
        mut sdk: SdkOptions,
        options: SqsOptions,
    ) -> Result<SqsSource, Problem> {
        if sdk.region.is_none() {
            sdk.region = queue_region(source);
        }
        let runtime = aws::runtime()
            .map_err(|e| problem(source, format!("cannot start the runtime: {e}")))?;
        let clients = runtime.block_on(aws::clients(&sdk));
        Self::start(runtime, clients, source, options)
    }

    /// The same with clients the caller built.
    pub fn from_clients(
        clients: Clients,
        source: &str,
        options: SqsOptions,
    ) -> Result<SqsSource, Problem> {
        let runtime = aws::runtime()
            .map_err(|e| problem(source, format!("cannot start the runtime: {e}")))?;
        Self::start(runtime, clients, source, options)
    }

    fn start(
        runtime: tokio::runtime::Runtime,
        clients: Clients,
        source: &str,
        options: SqsOptions,
    ) -> Result<SqsSource, Problem> {
        let queue_url = match source.strip_prefix("sqs://") {
            Some(name) => runtime
                .block_on(clients.sqs.get_queue_url().queue_name(name).send())
                .map_err(|e| problem(source, format!("cannot find the queue: {}", error_text(&e))))?
                .queue_url()
                .unwrap_or_default()
                .to_string(),
            None => source.to_string(),
        };
        let (tx, rx) = tokio::sync::mpsc::channel(PREFETCH);
        runtime.spawn(receive_loop(
            clients.clone(),
            queue_url.clone(),
            options,
            tx,
        ));
        Ok(SqsSource {
            runtime,
            clients,
            queue_url,
            rx,
            queue: VecDeque::new(),
            messages: HashMap::new(),
            owners: HashMap::new(),
            deletes: Vec::new(),
            counts: SqsCounts::default(),
        })
    }

    /// Queues the inputs and problems of one received message.
    fn accept(&mut self, m: Received) {
        if m.id.is_empty() {
            // A receive error, reported as a problem of the queue.
            if let Err(why) = m.work {
                self.queue.push_back(Err(problem(&m.origin, why)));
            }
            return;
        }
        self.counts.received += 1;
        if self.messages.contains_key(&m.id) {
            // Redelivered while its first copy is in flight: that copy decides.
            return;
        }
        match m.work {
            Err(why) => {
                self.counts.left += 1;
                self.queue.push_back(Err(problem(
                    &m.origin,
                    format!("{why}; left in the queue for redelivery"),
                )));
            }
            Ok(inputs) if inputs.is_empty() => {
                self.counts.ignored += 1;
                self.delete(m.origin, m.receipt);
            }
            Ok(inputs) => {
                self.messages.insert(
                    m.id.clone(),
                    Pending {
                        receipt: m.receipt,
                        open: inputs.len(),
                        clean: true,
                    },
                );
                for input in inputs {
                    match input {
                        Ok(input) => {
                            self.owners
                                .entry(input.name.clone())
                                .or_default()
                                .push_back(m.id.clone());
                            self.queue.push_back(Ok(input));
                        }
                        Err(p) => {
                            self.queue.push_back(Err(p));
                            self.settle(&m.id, false);
                        }
                    }
                }
            }
        }
    }

    /// One input of message `id` is done; delete the message when all are, and all were clean.
    fn settle(&mut self, id: &str, clean: bool) {
        let Some(p) = self.messages.get_mut(id) else {
            return;
        };
        p.open = p.open.saturating_sub(1);
        p.clean &= clean;
        if p.open > 0 {
            return;
        }
        let Some(p) = self.messages.remove(id) else {
            return;
        };
        if p.clean {
            let origin = format!("{}#{id}", self.queue_url);
            self.delete(origin, p.receipt);
        } else {
            self.counts.left += 1;
        }
    }

    /// Sends the deletion off without waiting for it.
    fn delete(&mut self, origin: String, receipt: String) {
        let request = self
            .clients
            .sqs
            .delete_message()
            .queue_url(&self.queue_url)
            .receipt_handle(receipt);
        self.deletes.push(self.runtime.spawn(async move {
            let result = request.send().await.map(|_| ()).map_err(|e| error_text(&e));
            (origin, result)
        }));
    }

    /// Waits for the deletions sent so far; failures become problems.
    fn await_deletes(&mut self) {
        let handles = std::mem::take(&mut self.deletes);
        let results = self.runtime.block_on(async move {
            let mut out = Vec::new();
            for h in handles {
                out.push(h.await);
            }
            out
        });
        for r in results {
            match r {
                Ok((_, Ok(()))) => self.counts.deleted += 1,
                Ok((origin, Err(why))) => {
                    self.counts.left += 1;
                    self.queue.push_back(Err(problem(
                        &origin,
                        format!("cannot delete the message: {why}"),
                    )));
                }
                Err(e) => self.queue.push_back(Err(problem(
                    &self.queue_url,
                    format!("delete task failed: {e}"),
                ))),
            }
        }
    }
}

/// Receives until told to stop (`once`, `max_messages`) or the matching side hangs up.
async fn receive_loop(
    clients: Clients,
    queue_url: String,
    options: SqsOptions,
    tx: tokio::sync::mpsc::Sender<Received>,
) {
    let mut received = 0u64;
    loop {
        let mut max = 10;
        if let Some(limit) = options.max_messages {
            let left = limit.saturating_sub(received);
            if left == 0 {
                return;
            }
            max = max.min(left as i32);
        }
        let mut request = clients
            .sqs
            .receive_message()
            .queue_url(&queue_url)
            .max_number_of_messages(max)
            .wait_time_seconds(options.wait_seconds);
        if let Some(v) = options.visibility_timeout {
            request = request.visibility_timeout(v);
        }
        let messages = match request.send().await {
            Ok(out) => out.messages.unwrap_or_default(),
            Err(e) => {
                let _ = tx
                    .send(Received {
                        id: String::new(),
                        receipt: String::new(),
                        origin: queue_url.clone(),
                        work: Err(format!("cannot receive: {}", error_text(&e))),
                    })
                    .await;
                // A broken queue would otherwise be retried in a tight loop.
                return;
            }
        };
        if messages.is_empty() {
            if options.once {
                return;
            }
            continue;
        }
        received += messages.len() as u64;
        // Fetch the objects of the whole receive concurrently, then hand over in order.
        let tasks: Vec<_> = messages
            .into_iter()
            .map(|m| {
                let s3 = clients.s3.clone();
                let queue_url = queue_url.clone();
                tokio::spawn(async move {
                    let id = m.message_id().unwrap_or_default().to_string();
                    let origin = format!("{queue_url}#{id}");
                    let work = match classify(m.body().unwrap_or_default()) {
                        Err(why) => Err(why),
                        Ok(work) => {
                            let mut inputs = Vec::new();
                            for w in work {
                                inputs.push(match w {
                                    Work::Body(bytes) => Ok(Input {
                                        name: Arc::from(origin.as_str()),
                                        reader: Box::new(Cursor::new(bytes)),
                                        layout: Layout::Auto,
                                        complete: true,
                                        file: None,
                                    }),
                                    Work::Object { bucket, key } => {
                                        fetch(&s3, &bucket, &key, &id).await
                                    }
                                });
                            }
                            Ok(inputs)
                        }
                    };
                    Received {
                        id,
                        receipt: m.receipt_handle().unwrap_or_default().to_string(),
                        origin,
                        work,
                    }
                })
            })
            .collect();
        for t in tasks {
            let Ok(received) = t.await else { continue };
            if tx.send(received).await.is_err() {
                return;
            }
        }
    }
}

async fn fetch(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    id: &str,
) -> Result<Input, Problem> {
    let name = format!("s3://{bucket}/{key}");
    let got = async {
        let o = s3
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| format!("cannot get object: {}", error_text(&e)))?;
        let body = o
            .body
            .collect()
            .await
            .map_err(|e| format!("download interrupted: {e}"))?;
        Ok::<_, String>(body.into_bytes())
    }
    .await;
    match got {
        Ok(bytes) => Ok(Input {
            name: Arc::from(name),
            reader: Box::new(Cursor::new(bytes)),
            layout: Layout::Auto,
            complete: true,
            file: None,
        }),
        Err(why) => Err(problem(
            &name,
            format!("{why} (message {id} left in the queue)"),
        )),
    }
}

impl Source for SqsSource {
    fn next_input(&mut self) -> Option<Result<Input, Problem>> {
        loop {
            if let Some(item) = self.queue.pop_front() {
                return Some(item);
            }
            match self.rx.blocking_recv() {
                Some(m) => self.accept(m),
                None => {
                    // Exhausted: every input was finished; wait for the deletions it caused.
                    if self.deletes.is_empty() {
                        return None;
                    }
                    self.await_deletes();
                }
            }
        }
    }

    // Receiving waits for messages (long polling).
    fn streaming(&self) -> bool {
        true
    }

    fn finished(&mut self, name: &str, clean: bool) {
        let id = self.owners.get_mut(name).and_then(VecDeque::pop_front);
        if self.owners.get(name).is_some_and(VecDeque::is_empty) {
            self.owners.remove(name);
        }
        if let Some(id) = id {
            self.settle(&id, clean);
        }
    }
}

/// What a message body asks for; `Err` says why it is not usable.
fn classify(body: &str) -> Result<Vec<Work>, String> {
    classify_depth(body, 0)
}

fn classify_depth(body: &str, depth: u8) -> Result<Vec<Work>, String> {
    let text = body.trim();
    if text == "CloudTrail validation message." {
        return Ok(Vec::new());
    }
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(_) => {
            // A gzip'd CloudWatch Logs payload forwarded as base64.
            return match base64_gzip(text) {
                Some(bytes) => Ok(vec![Work::Body(bytes)]),
                None => Err(format!(
                    "message is neither JSON nor base64 gzip: {}",
                    crate::sink::truncate(text, 80)
                )),
            };
        }
    };
    let get = |k: &str| value.get(k);
    // SNS envelope (S3 → SNS → SQS, CloudTrail → SNS → SQS) without raw message delivery.
    if get("Type").and_then(Value::as_str) == Some("Notification") && depth == 0 {
        if let Some(inner) = get("Message").and_then(Value::as_str) {
            return classify_depth(inner, 1);
        }
    }
    if get("Event").and_then(Value::as_str) == Some("s3:TestEvent") {
        return Ok(Vec::new());
    }
    if let (Some(bucket), Some(keys)) = (
        get("s3Bucket").and_then(Value::as_str),
        get("s3ObjectKey").and_then(Value::as_array),
    ) {
        return Ok(keys
            .iter()
            .filter_map(Value::as_str)
            .filter(|k| is_log_key(k))
            .map(|k| Work::Object {
                bucket: bucket.to_string(),
                key: k.to_string(),
            })
            .collect());
    }
    if let Some(records) = get("Records").and_then(Value::as_array) {
        let s3_event = records
            .iter()
            .any(|r| r.get("eventSource").and_then(Value::as_str) == Some("aws:s3"));
        if !s3_event {
            // A CloudTrail log document sent as is.
            return Ok(vec![Work::Body(text.as_bytes().to_vec())]);
        }
        let mut work = Vec::new();
        for r in records {
            let created = r
                .get("eventName")
                .and_then(Value::as_str)
                .is_some_and(|n| n.starts_with("ObjectCreated"));
            let bucket = r.pointer("/s3/bucket/name").and_then(Value::as_str);
            let key = r.pointer("/s3/object/key").and_then(Value::as_str);
            if let (true, Some(bucket), Some(key)) = (created, bucket, key) {
                let key = url_decode(key);
                if is_log_key(&key) {
                    work.push(Work::Object {
                        bucket: bucket.to_string(),
                        key,
                    });
                }
            }
        }
        return Ok(work);
    }
    if let Some(data) = value.pointer("/awslogs/data").and_then(Value::as_str) {
        return base64_gzip(data)
            .map(|b| vec![Work::Body(b)])
            .ok_or_else(|| "awslogs.data is not base64 gzip".to_string());
    }
    let cloudtrail_ish = [
        "detail-type",
        "messageType",
        "eventVersion",
        "eventName",
        "eventSource",
        "eventID",
    ]
    .iter()
    .any(|k| value.get(*k).is_some());
    if cloudtrail_ish {
        return Ok(vec![Work::Body(text.as_bytes().to_vec())]);
    }
    Err(format!(
        "message is not an S3, CloudTrail, EventBridge or CloudWatch Logs notification: {}",
        crate::sink::truncate(text, 80)
    ))
}

/// S3 event keys are URL-encoded with `+` for spaces (`unquote_plus`).
pub fn url_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// Standard base64 (padding optional) whose content is gzip; `None` otherwise.
fn base64_gzip(text: &str) -> Option<Vec<u8>> {
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for c in text.bytes().filter(|c| !c.is_ascii_whitespace()) {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(v);
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    if !out.starts_with(&[0x1f, 0x8b]) {
        return None;
    }
    // Decompressed here so the decoder sees the JSON (it would sniff gzip too, but checking now
    // turns a corrupt payload into a message-level problem).
    let mut json = Vec::new();
    flate2::read::MultiGzDecoder::new(&out[..])
        .read_to_end(&mut json)
        .ok()?;
    Some(json)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "AWSLogs/111122223333/CloudTrail/us-east-1/2024/08/01/111122223333_CloudTrail_us-east-1_20240801T1200Z_abc.json.gz";

    #[test]
    fn queue_urls() {
        assert!(is_queue(
            "https://sqs.eu-west-1.amazonaws.com/111122223333/trail-events"
        ));
        assert!(is_queue("http://127.0.0.1:5000/123456789012/q"));
        assert!(is_queue("sqs://trail-events"));
        assert!(!is_queue("https://example.com/a/b"));
        assert!(!is_queue("s3://b/AWSLogs/111122223333/x"));
        assert!(!is_queue("logs/111122223333/x"));
        assert_eq!(
            queue_region("https://sqs.eu-west-1.amazonaws.com/1/q").as_deref(),
            Some("eu-west-1")
        );
        assert_eq!(queue_region("http://127.0.0.1:5000/1/q"), None);
    }

    #[test]
    fn shapes() {
        let obj = |key: &str| Work::Object {
            bucket: "b".into(),
            key: key.into(),
        };
        let s3 = format!(
            r#"{{"Records":[{{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{{"bucket":{{"name":"b"}},"object":{{"key":"{}"}}}}}},
            {{"eventSource":"aws:s3","eventName":"ObjectRemoved:Delete","s3":{{"bucket":{{"name":"b"}},"object":{{"key":"{LOG}"}}}}}}]}}"#,
            LOG.replace("CloudTrail/us-east-1", "CloudTrail/us%2Deast-1")
        );
        assert_eq!(classify(&s3).unwrap(), vec![obj(LOG)]);
        let sns = serde_json::json!({"Type":"Notification","Message":s3}).to_string();
        assert_eq!(classify(&sns).unwrap(), vec![obj(LOG)]);
        let ct = serde_json::json!({"Type":"Notification","Message":
            serde_json::json!({"s3Bucket":"b","s3ObjectKey":[LOG, "AWSLogs/1/CloudTrail-Digest/x_CloudTrail-Digest_y.json.gz"]}).to_string()})
        .to_string();
        assert_eq!(classify(&ct).unwrap(), vec![obj(LOG)]);
        let validation =
            serde_json::json!({"Type":"Notification","Message":"CloudTrail validation message."})
                .to_string();
        assert_eq!(classify(&validation).unwrap(), vec![]);
        assert_eq!(
            classify(r#"{"Service":"Amazon S3","Event":"s3:TestEvent"}"#).unwrap(),
            vec![]
        );
        let eb =
            r#"{"detail-type":"AWS API Call via CloudTrail","detail":{"eventName":"StopLogging"}}"#;
        assert_eq!(
            classify(eb).unwrap(),
            vec![Work::Body(eb.as_bytes().to_vec())]
        );
        assert!(classify("hello").unwrap_err().contains("neither JSON"));
        assert!(classify(r#"{"hello":1}"#)
            .unwrap_err()
            .contains("not an S3"));
    }

    #[test]
    fn decoding() {
        assert_eq!(url_decode("a+b%3Dc%2"), "a b=c%2");
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(br#"{"messageType":"CONTROL_MESSAGE"}"#)
            .unwrap();
        let bytes = gz.finish().unwrap();
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut b64 = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk.iter().fold(0u32, |acc, &c| acc << 8 | u32::from(c))
                << (8 * (3 - chunk.len()));
            for i in 0..=chunk.len() {
                b64.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            }
        }
        assert_eq!(
            classify(&b64).unwrap(),
            vec![Work::Body(br#"{"messageType":"CONTROL_MESSAGE"}"#.to_vec())]
        );
        let lambda = serde_json::json!({"awslogs":{"data":b64}}).to_string();
        assert_eq!(classify(&lambda).unwrap().len(), 1);
    }
}
