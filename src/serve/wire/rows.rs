//! Results on the wire: each column's Postgres type, and rows encoded as text or binary in
//! chunks, within the sandbox's byte budget.

use super::*;

/// The Postgres type a column travels as, as the catalog lists it
/// ([`postgres::column_type`]).
pub(super) fn pg_type(data_type: &DataType) -> Type {
    u32::try_from(postgres::column_type(data_type).oid)
        .ok()
        .and_then(Type::from_oid)
        .unwrap_or(Type::TEXT)
}

/// The columns of `schema`, each in the format the client asked for; a value that has no
/// binary form here (a list, say) travels as text, typed text.
pub(super) fn fields(schema: &SchemaRef, formats: &Format) -> Vec<FieldInfo> {
    schema
        .fields()
        .iter()
        .enumerate()
        .map(|(i, f)| {
            FieldInfo::new(
                f.name().clone(),
                None,
                None,
                pg_type(f.data_type()),
                formats.format_for(i),
            )
        })
        .collect()
}

/// Rows of encoded text held at once: the client reads a chunk before the next is made.
pub(super) const CHUNK_BYTES: usize = 1 << 20;

/// Rows as Postgres text (ISO dates, timestamps with their offset, `t`/`f`, NULL as NULL),
/// made as the client reads them: pgwire pulls the stream and writes to the socket as its
/// buffer fills, so the text of a large result is never whole in memory. The text is
/// counted against the query's memory limit, `budget` bytes: past it the client gets an
/// error instead of the rest.
pub(super) fn encode(result: QueryResult, budget: usize, formats: &Format) -> QueryResponse {
    let schema = Arc::new(fields(&result.schema, formats));
    let mut rows = Rows {
        batches: result.batches.into_iter(),
        batch: None,
        row: 0,
        schema: schema.clone(),
        budget,
        left: budget,
        failed: false,
    };
    let chunks = stream::iter(std::iter::from_fn(move || rows.next_chunk()));
    let rows = chunks
        .map_ok(|chunk| stream::iter(chunk.into_iter().map(Ok)))
        .try_flatten();
    QueryResponse::new(schema, rows)
}

pub(super) struct Rows {
    batches: std::vec::IntoIter<RecordBatch>,
    /// The batch being encoded, and its next row.
    batch: Option<RecordBatch>,
    row: usize,
    schema: Arc<Vec<FieldInfo>>,
    budget: usize,
    /// Bytes of text the rest of the result may take.
    left: usize,
    /// An error ends the stream: pgwire sends it in place of the command's completion.
    failed: bool,
}

impl Rows {
    pub(super) fn next_chunk(&mut self) -> Option<PgWireResult<Vec<DataRow>>> {
        if self.failed {
            return None;
        }
        while self.batch.as_ref().is_none_or(|b| self.row >= b.num_rows()) {
            self.batch = Some(self.batches.next()?);
            self.row = 0;
        }
        // Cheap: a batch's columns are shared, not copied.
        let batch = self.batch.clone()?;
        let chunk = self.encode_rows(&batch);
        self.failed = chunk.is_err();
        Some(chunk)
    }

    pub(super) fn encode_rows(&mut self, batch: &RecordBatch) -> PgWireResult<Vec<DataRow>> {
        let options = FormatOptions::default()
            .with_date_format(Some("%Y-%m-%d"))
            .with_timestamp_tz_format(Some("%Y-%m-%d %H:%M:%S%.f%:z"))
            .with_timestamp_format(Some("%Y-%m-%d %H:%M:%S%.f"));
        let formatters = batch
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| user_error("ERROR", "XX000", e.to_string()))?;
        let mut chunk = Vec::new();
        let mut bytes = 0;
        while self.row < batch.num_rows() && bytes < CHUNK_BYTES {
            let row = self.row;
            let before = self.left;
            let mut data = bytes::BytesMut::new();
            for (i, (column, formatter)) in batch.columns().iter().zip(&formatters).enumerate() {
                // A column of the Null type (`SELECT NULL`) keeps no validity bits: its
                // `is_null` says false, yet every value is NULL.
                if column.is_null(row) || column.data_type() == &DataType::Null {
                    data.extend_from_slice(&(-1i32).to_be_bytes());
                    continue;
                }
                let binary = self.schema[i].format() == FieldFormat::Binary;
                let value = match binary
                    .then(|| binary::value(column.as_ref(), row))
                    .flatten()
                {
                    Some(value) => self.take_bytes(value)?,
                    None => self.text(column.as_ref(), formatter, row)?.into_bytes(),
                };
                let len = i32::try_from(value.len()).map_err(|_| self.too_large())?;
                data.extend_from_slice(&len.to_be_bytes());
                data.extend_from_slice(&value);
            }
            chunk.push(DataRow::new(data, batch.num_columns() as i16));
            bytes += before - self.left;
            self.row += 1;
        }
        Ok(chunk)
    }

    /// One value as text, refused before it is written out when it would pass the budget.
    pub(super) fn text(
        &mut self,
        column: &dyn Array,
        formatter: &ArrayFormatter,
        row: usize,
    ) -> PgWireResult<String> {
        if column.data_type() == &DataType::Boolean {
            let value = column.as_boolean().value(row);
            return self.take(if value { "t" } else { "f" }.to_string());
        }
        // A long string is measured where it lies, not copied first.
        let known = match column.data_type() {
            DataType::Utf8 => Some(column.as_string::<i32>().value(row).len()),
            DataType::LargeUtf8 => Some(column.as_string::<i64>().value(row).len()),
            DataType::Utf8View => Some(column.as_string_view().value(row).len()),
            _ => None,
        };
        if known.is_some_and(|len| len > self.left) {
            return Err(self.too_large());
        }
        let mut text = Bounded {
            text: String::new(),
            left: self.left,
            over: false,
        };
        match write!(text, "{}", formatter.value(row)) {
            Ok(()) => self.take(text.text),
            Err(_) if text.over => Err(self.too_large()),
            Err(_) => Err(user_error(
                "ERROR",
                "XX000",
                "a value could not be written as text".into(),
            )),
        }
    }

    pub(super) fn take_bytes(&mut self, value: Vec<u8>) -> PgWireResult<Vec<u8>> {
        match self.left.checked_sub(value.len()) {
            Some(left) => {
                self.left = left;
                Ok(value)
            }
            None => Err(self.too_large()),
        }
    }

    pub(super) fn take(&mut self, text: String) -> PgWireResult<String> {
        match self.left.checked_sub(text.len()) {
            Some(left) => {
                self.left = left;
                Ok(text)
            }
            None => Err(self.too_large()),
        }
    }

    pub(super) fn too_large(&self) -> PgWireError {
        sql_error(Error::MemoryLimit {
            limit_mib: self.budget >> 20,
            message: "the result, as text for the Postgres wire, is larger than that; \
                      select fewer rows or columns, or shorter values"
                .into(),
        })
    }
}

/// A `fmt::Write` that stops once the text would pass `left` bytes, so a huge value is
/// never formatted whole.
pub(super) struct Bounded {
    pub(super) text: String,
    pub(super) left: usize,
    /// Why writing stopped: the budget, not the formatter.
    pub(super) over: bool,
}

impl std::fmt::Write for Bounded {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        if s.len() > self.left {
            self.over = true;
            return Err(std::fmt::Error);
        }
        self.left -= s.len();
        self.text.push_str(s);
        Ok(())
    }
}
