//! Writing a records file one record at a time, as the export does,
//! without holding the range.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Writes a records file one record at a time (the export's output).
pub struct Writer {
    out: BufWriter<File>,
    path: PathBuf,
    prefix: Vec<u8>,
    count: usize,
}

impl Writer {
    pub fn create(path: &Path) -> Result<Self> {
        let file = File::create(path).map_err(|source| Error::Io {
            what: "creating",
            path: path.to_owned(),
            source,
        })?;
        Ok(Self {
            out: BufWriter::with_capacity(1 << 20, file),
            path: path.to_owned(),
            prefix: Vec::with_capacity(10),
            count: 0,
        })
    }

    /// Appends one record's value.
    pub fn write(&mut self, payload: &[u8]) -> Result<()> {
        self.prefix.clear();
        prost::encode_length_delimiter(payload.len(), &mut self.prefix)
            .expect("a Vec grows as needed");
        self.out
            .write_all(&self.prefix)
            .and_then(|()| self.out.write_all(payload))
            .map_err(|source| self.failed(source))?;
        self.count += 1;
        Ok(())
    }

    /// Flushes the file; the records written.
    pub fn finish(mut self) -> Result<usize> {
        self.out.flush().map_err(|source| self.failed(source))?;
        Ok(self.count)
    }

    fn failed(&self, source: std::io::Error) -> Error {
        Error::Io {
            what: "writing",
            path: self.path.clone(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use borderflow_proto::Message as _;
    use borderflow_proto::inspection::v1::{Inspection, InspectionRecord, inspection_record};

    use super::*;
    use crate::records::{Records, crossing_of};

    fn inspection(crossing: &str) -> InspectionRecord {
        InspectionRecord {
            body: Some(inspection_record::Body::Inspection(Inspection {
                crossing_id: crossing.into(),
                ..Default::default()
            })),
        }
    }

    #[test]
    fn records_round_trip_through_a_file() {
        let mut records = Records::new();
        records.push(&inspection("A"));
        records.push_encoded(&inspection("B").encode_to_vec());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.bin");
        let mut writer = Writer::create(&path).unwrap();
        for value in records.iter() {
            writer.write(value).unwrap();
        }
        assert_eq!(writer.finish().unwrap(), 2);
        let back = Records::read(&path).unwrap();
        assert_eq!(back, records);
        let crossings: Vec<_> = back.iter().filter_map(crossing_of).collect();
        assert_eq!(crossings, ["A", "B"]);
    }
}
