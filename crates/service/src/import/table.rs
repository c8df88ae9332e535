//! Spreadsheets as a street office has them: XLSX (and XLS, ODS) through `calamine`, CSV
//! through `csv` in UTF-8 (with or without a byte-order mark) or in GBK/GB18030 as Excel
//! saves it in China, decoded with `encoding_rs`. Cells come out as trimmed text (a whole
//! number typed in a cell reads "302", not "302.0"); rows with nothing in them are dropped;
//! every row keeps its number in the file, so an error can name it.

use crate::{Result, ServiceError};
use calamine::Reader;

/// The largest file read, in bytes.
pub const MAX_BYTES: usize = 50 * 1024 * 1024;

/// A sheet: its header row and the rows under it.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The row's number as the spreadsheet shows it (the header is usually 1).
    pub number: usize,
    pub cells: Vec<String>,
}

impl Row {
    pub fn get(&self, column: usize) -> &str {
        self.cells.get(column).map_or("", String::as_str)
    }
}

fn bad_file(zh: impl Into<String>, en: impl Into<String>) -> ServiceError {
    ServiceError::invalid("file", zh, en)
}

/// Refuses a file of `len` bytes over `MAX_BYTES`, before anyone reads it whole.
pub fn check_size(len: u64) -> Result<()> {
    if len > MAX_BYTES as u64 {
        return Err(bad_file(
            format!("文件 {} MB，超过 50 MB 上限", len / 1024 / 1024),
            format!("the file is {} MB, over the 50 MB limit", len / 1024 / 1024),
        ));
    }
    Ok(())
}

/// Reads `bytes`, named `file_name` (its extension decides how), taking `sheet` or the
/// first sheet of a workbook.
pub fn read(file_name: &str, bytes: &[u8], sheet: Option<&str>) -> Result<Table> {
    check_size(bytes.len() as u64)?;
    let ext = file_name
        .rsplit('.')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let grid = match ext.as_str() {
        "csv" | "txt" => csv_rows(bytes)?,
        "xlsx" | "xlsm" | "xls" | "ods" => workbook_rows(bytes, sheet)?,
        _ => {
            return Err(bad_file(
                format!("不支持的文件类型“{file_name}”：请用 .xlsx 或 .csv"),
                format!("'{file_name}' is not a file type read here: use .xlsx or .csv"),
            ))
        }
    };
    let mut rows = grid
        .into_iter()
        .enumerate()
        .map(|(i, cells)| Row {
            number: i + 1,
            cells: cells.into_iter().map(|c| c.trim().to_string()).collect(),
        })
        .filter(|r| r.cells.iter().any(|c| !c.is_empty()));
    let header = rows.next().ok_or_else(|| {
        bad_file(
            "文件是空的：没有表头和数据",
            "the file is empty: no header and no rows",
        )
    })?;
    Ok(Table {
        headers: header.cells,
        rows: rows.collect(),
    })
}

/// UTF-8 (a byte-order mark dropped) when the bytes are UTF-8, else GB18030 (which GBK is
/// part of), as Excel writes "CSV" on a Chinese Windows.
fn decode(bytes: &[u8]) -> Result<String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(s.to_string());
    }
    let (text, _, had_errors) = encoding_rs::GB18030.decode(bytes);
    if had_errors {
        return Err(bad_file(
            "文件既不是 UTF-8 也不是 GBK 编码的文本：请在 Excel 中另存为“CSV UTF-8”或 .xlsx",
            "the file is neither UTF-8 nor GBK text: save it from Excel as 'CSV UTF-8' or .xlsx",
        ));
    }
    Ok(text.into_owned())
}

fn csv_rows(bytes: &[u8]) -> Result<Vec<Vec<String>>> {
    let text = decode(bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    // The reader skips blank lines, which a spreadsheet shows as empty rows: they are put
    // back, so that every row keeps the number the writer sees. A quoted cell may span
    // lines and still be one row.
    let mut out: Vec<Vec<String>> = Vec::new();
    // (where the previous record started in the text, the line breaks inside its cells)
    let mut prev: Option<(usize, usize)> = None;
    for record in reader.records() {
        let record = record.map_err(|e| {
            let row = out.len() + 1;
            bad_file(
                format!("第 {row} 行无法读取：{e}"),
                format!("row {row} cannot be read: {e}"),
            )
        })?;
        // The position is where reading the record began, before the blank lines it
        // skipped: its first cell starts after them.
        let mut start = record
            .position()
            .map_or(0, |p| p.byte() as usize)
            .min(text.len());
        while text
            .as_bytes()
            .get(start)
            .is_some_and(|b| *b == b'\n' || *b == b'\r')
        {
            start += 1;
        }
        let blank = match prev {
            None => text[..start].matches('\n').count(),
            Some((from, inside)) => text[from.min(start)..start]
                .matches('\n')
                .count()
                .saturating_sub(1 + inside),
        };
        out.extend(std::iter::repeat_n(Vec::new(), blank));
        let inside = record.iter().map(|c| c.matches('\n').count()).sum();
        prev = Some((start, inside));
        out.push(record.iter().map(str::to_string).collect());
    }
    Ok(out)
}

fn workbook_rows(bytes: &[u8], sheet: Option<&str>) -> Result<Vec<Vec<String>>> {
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes.to_vec()))
        .map_err(|e| {
            bad_file(
                format!("无法作为表格打开：{e}"),
                format!("cannot be opened as a workbook: {e}"),
            )
        })?;
    let names = book.sheet_names();
    let name = match sheet {
        Some(s) => names
            .iter()
            .find(|n| n.as_str() == s)
            .cloned()
            .ok_or_else(|| {
                ServiceError::invalid(
                    "sheet",
                    format!("没有名为“{s}”的工作表（有：{}）", names.join("、")),
                    format!("there is no sheet '{s}' (there are: {})", names.join(", ")),
                )
            })?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| bad_file("工作簿里没有工作表", "the workbook has no sheet"))?,
    };
    let range = book.worksheet_range(&name).map_err(|e| {
        bad_file(
            format!("工作表“{name}”无法读取：{e}"),
            format!("the sheet '{name}' cannot be read: {e}"),
        )
    })?;
    // Rows are numbered as the spreadsheet shows them, even when the used range starts
    // lower down.
    let (first_row, first_col) = range.start().unwrap_or((0, 0));
    let mut out: Vec<Vec<String>> = vec![Vec::new(); first_row as usize];
    for row in range.rows() {
        let mut cells = vec![String::new(); first_col as usize];
        cells.extend(row.iter().map(cell_text));
        out.push(cells);
    }
    Ok(out)
}

fn cell_text(d: &calamine::Data) -> String {
    use calamine::Data;
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        // A whole number typed in a cell (a room, a building) reads as typed.
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        // A date cell holds days since 1899-12-30 (Excel's epoch); it reads as the date.
        Data::DateTime(dt) => jiff::civil::date(1899, 12, 30)
            .checked_add(jiff::Span::new().days(dt.as_f64().floor() as i64))
            .map(|d| d.to_string())
            .unwrap_or_else(|_| dt.as_f64().to_string()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// Finds each wanted column by the headers people use for it: `wanted` is (field, the
/// header names that mean it). Returns each field's column, `None` where absent.
pub fn columns(headers: &[String], wanted: &[(&str, &[&str])]) -> Vec<Option<usize>> {
    let norm = |h: &str| -> String {
        h.chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '*' | '＊' | ':' | '：'))
            .collect::<String>()
            .to_lowercase()
    };
    let heads: Vec<String> = headers.iter().map(|h| norm(h)).collect();
    wanted
        .iter()
        .map(|(field, names)| {
            heads
                .iter()
                .position(|h| h == &norm(field) || names.iter().any(|n| h == &norm(n)))
        })
        .collect()
}

/// Refuses a file whose header row lacks a required column, naming each missing one and
/// the headers found. `required` pairs each field's name with its column from [`columns`].
pub fn require(headers: &[String], required: &[(&str, Option<usize>)]) -> Result<()> {
    let missing: Vec<&str> = required
        .iter()
        .filter(|(_, c)| c.is_none())
        .map(|(n, _)| *n)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(ServiceError::invalid(
        "file",
        format!(
            "表头缺少“{}”列（找到的表头：{}）",
            missing.join("”“"),
            headers.join("、")
        ),
        format!(
            "the header row has no {} column (found: {})",
            missing.join(", "),
            headers.join(", ")
        ),
    ))
}

/// A list cell ("锦绣花园、翠竹苑", "medical, medicine"): its parts, trimmed.
pub fn split_list(s: &str) -> Vec<String> {
    s.split(['、', ',', '，', ';', '；', ' ', '\u{3000}', '\n'])
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .collect()
}
