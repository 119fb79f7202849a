//! A recorded range: inspections-topic values (`InspectionRecord`s, the
//! pseudonymised form ingest publishes), each prefixed with its length as
//! prost's `encode_length_delimited` writes it. The same bytes are the
//! file format (`--records`, what `export` writes) and the in-memory form
//! a scenario is captured in, so both sources replay through one path and
//! a replay reads each record where it lies, without a copy.
//!
//! The topic's key (the crossing) is not stored: it is in every record,
//! and [`crossing_of`] reads it without decoding the rest.

mod writer;

use std::path::Path;

use borderflow_proto::Message as _;
use borderflow_proto::inspection::v1::InspectionRecord;
use prost::encoding::{DecodeContext, WireType, decode_key, decode_varint, skip_field};

use crate::error::{Error, Result};
pub use writer::Writer;

/// Length-delimited records, in the order they are replayed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Records {
    bytes: Vec<u8>,
    count: usize,
}

impl Records {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `record`, encoded in place.
    pub fn push(&mut self, record: &InspectionRecord) {
        record
            .encode_length_delimited(&mut self.bytes)
            .expect("a Vec grows as needed");
        self.count += 1;
    }

    /// Appends a record already encoded.
    pub fn push_encoded(&mut self, payload: &[u8]) {
        prost::encode_length_delimiter(payload.len(), &mut self.bytes)
            .expect("a Vec grows as needed");
        self.bytes.extend_from_slice(payload);
        self.count += 1;
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The encoded size, length prefixes included.
    pub fn size_bytes(&self) -> usize {
        self.bytes.len()
    }

    /// Each record's value, in order.
    pub fn iter(&self) -> Iter<'_> {
        Iter { rest: &self.bytes }
    }

    /// Checks the framing of `bytes` (the values are decoded by the steps,
    /// which dead-letter what they cannot read, as production does);
    /// `origin` names them in errors.
    pub fn from_bytes(bytes: Vec<u8>, origin: &str) -> Result<Self> {
        let mut rest = &bytes[..];
        let mut count = 0;
        while !rest.is_empty() {
            let offset = bytes.len() - rest.len();
            let corrupt = |reason: String| Error::Corrupt {
                origin: origin.to_owned(),
                offset,
                reason,
            };
            let len = prost::decode_length_delimiter(&mut rest)
                .map_err(|e| corrupt(format!("no length prefix: {e}")))?;
            if len > rest.len() {
                return Err(corrupt(format!(
                    "{len} bytes announced, {} left: the file is cut short",
                    rest.len()
                )));
            }
            rest = &rest[len..];
            count += 1;
        }
        Ok(Self { bytes, count })
    }

    /// A records file, read whole.
    pub fn read(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            what: "reading",
            path: path.to_owned(),
            source,
        })?;
        Self::from_bytes(bytes, &path.display().to_string())
    }

    /// Writes the records to `path` in the file format.
    pub fn write(&self, path: &Path) -> Result<()> {
        std::fs::write(path, &self.bytes).map_err(|source| Error::Io {
            what: "writing",
            path: path.to_owned(),
            source,
        })
    }
}

/// The values of [`Records`], in order.
#[derive(Clone, Debug)]
pub struct Iter<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        // The framing was checked when the records were made.
        let len = prost::decode_length_delimiter(&mut self.rest).ok()?;
        let (value, rest) = self.rest.split_at_checked(len)?;
        self.rest = rest;
        Some(value)
    }
}

/// The crossing an inspections-topic value is about (the topic's key):
/// field 2 of its inspection or heartbeat, read where it lies.
pub fn crossing_of(payload: &[u8]) -> Option<&str> {
    // InspectionRecord.body: inspection = 1, heartbeat = 2; both carry
    // crossing_id = 2.
    let body = field(payload, |number| number == 1 || number == 2)?;
    std::str::from_utf8(field(body, |number| number == 2)?).ok()
}

/// The first length-delimited field of `message` whose number `wanted`
/// accepts.
fn field(mut message: &[u8], wanted: impl Fn(u32) -> bool) -> Option<&[u8]> {
    while !message.is_empty() {
        let (number, wire_type) = decode_key(&mut message).ok()?;
        if wire_type != WireType::LengthDelimited {
            skip_field(wire_type, number, &mut message, DecodeContext::default()).ok()?;
            continue;
        }
        let len = usize::try_from(decode_varint(&mut message).ok()?).ok()?;
        let (value, rest) = message.split_at_checked(len)?;
        if wanted(number) {
            return Some(value);
        }
        message = rest;
    }
    None
}

#[cfg(test)]
mod tests {
    use borderflow_proto::inspection::v1::{CheckpointHeartbeat, Inspection, inspection_record};

    use super::*;

    fn inspection(crossing: &str) -> InspectionRecord {
        InspectionRecord {
            body: Some(inspection_record::Body::Inspection(Inspection {
                event_id: "e".into(),
                crossing_id: crossing.into(),
                lane_id: "L1".into(),
                ..Default::default()
            })),
        }
    }

    #[test]
    fn the_crossing_is_read_from_inspections_and_heartbeats() {
        let beat = InspectionRecord {
            body: Some(inspection_record::Body::Heartbeat(CheckpointHeartbeat {
                checkpoint_id: "KZ-NQZ-L1".into(),
                crossing_id: "KZ-NQZ".into(),
                ..Default::default()
            })),
        };
        assert_eq!(
            crossing_of(&inspection("KG-DOSTUK").encode_to_vec()),
            Some("KG-DOSTUK")
        );
        assert_eq!(crossing_of(&beat.encode_to_vec()), Some("KZ-NQZ"));
        assert_eq!(crossing_of(&[]), None);
        assert_eq!(crossing_of(&[0x0a, 0x05, 0x12]), None);
    }

    #[test]
    fn a_file_cut_short_is_refused_with_where() {
        let mut records = Records::new();
        records.push(&inspection("A"));
        let mut bytes = records.as_bytes_for_test();
        let first = bytes.len();
        bytes.extend_from_slice(&bytes.clone()[..first - 3]);
        let err = Records::from_bytes(bytes, "cut.bin")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(&format!("cut.bin: record at byte {first}: ")),
            "{err}"
        );
        assert!(err.contains("cut short"), "{err}");
    }

    impl Records {
        fn as_bytes_for_test(&self) -> Vec<u8> {
            self.bytes.clone()
        }
    }
}
