//! Imports from the spreadsheets a street office keeps: the reader shared by every import
//! (`table`), and the territory (`areas`).

pub mod agencies;
pub mod areas;
pub mod households;
pub mod table;
pub mod users;

/// One problem in one row of an imported file: the row's number as the spreadsheet shows
/// it, the column's header, the value found and what is wrong with it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RowError {
    pub row: usize,
    pub column: String,
    pub value: String,
    pub zh: String,
    pub en: String,
}

impl RowError {
    pub fn localized(&self, lang: yihaotai_domain::vocab::Lang) -> String {
        match lang {
            yihaotai_domain::vocab::Lang::Zh => format!(
                "第 {} 行，{}“{}”：{}",
                self.row, self.column, self.value, self.zh
            ),
            yihaotai_domain::vocab::Lang::En => format!(
                "row {}, {} '{}': {}",
                self.row, self.column, self.value, self.en
            ),
        }
    }
}
