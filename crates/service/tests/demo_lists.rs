//! The demo street's three household lists in `data/demo/` (grid.xlsx, police.csv in GBK,
//! property.xlsx) with the answer the cross-check must give (answer.json): the files are
//! the generator's rows (`yihaotai_domain::demo::lists`), and importing them onto the demo
//! desk gives exactly the kept answer, door by door, and the notes the faults call for.
//!
//! After changing the generator, write the files again with
//! `YIHAOTAI_WRITE_DEMO_LISTS=1 cargo test -p yihaotai-service --test demo_lists`.

mod support;

use std::collections::BTreeMap;
use std::path::PathBuf;
use support::*;
use yihaotai_domain::demo::lists::{demo_lists, DemoList, DemoLists, ExpectedDoor};
use yihaotai_domain::linkage::Source;
use yihaotai_service::admin::Caller;
use yihaotai_service::import::table;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/demo")
}

fn xlsx(list: &DemoList, sheet: &str) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name(sheet).unwrap();
    for (c, h) in list.headers.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in list.rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(r as u32 + 1, c as u16, v).unwrap();
            }
        }
    }
    for c in 0..list.headers.len() {
        ws.set_column_width(c as u16, 14).unwrap();
    }
    book.save_to_buffer().unwrap()
}

fn gbk_csv(list: &DemoList) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    w.write_record(&list.headers).unwrap();
    for row in &list.rows {
        w.write_record(row).unwrap();
    }
    let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
    let (bytes, _, bad) = encoding_rs::GBK.encode(&text);
    assert!(!bad, "every character of the police list has a GBK code");
    bytes.into_owned()
}

const FILES: [(&str, Source); 3] = [
    ("grid.xlsx", Source::Grid),
    ("police.csv", Source::Police),
    ("property.xlsx", Source::Property),
];

fn list_of(l: &DemoLists, s: Source) -> &DemoList {
    match s {
        Source::Grid => &l.grid,
        Source::Police => &l.police,
        Source::Property => &l.property,
    }
}

#[tokio::test]
async fn the_demo_lists_are_the_generators_and_cross_check_to_their_kept_answer() {
    let street = yihaotai_domain::demo::demo_street();
    let l = demo_lists(&street);
    if std::env::var_os("YIHAOTAI_WRITE_DEMO_LISTS").is_some() {
        std::fs::create_dir_all(dir()).unwrap();
        std::fs::write(dir().join("grid.xlsx"), xlsx(&l.grid, "网格员摸排")).unwrap();
        std::fs::write(dir().join("police.csv"), gbk_csv(&l.police)).unwrap();
        std::fs::write(dir().join("property.xlsx"), xlsx(&l.property, "业主名单")).unwrap();
        let answer = serde_json::to_string_pretty(&l.answer).unwrap();
        std::fs::write(dir().join("answer.json"), answer + "\n").unwrap();
    }
    // The files on disk are the generator's rows, and the answer its answer.
    for (file, source) in FILES {
        let bytes = std::fs::read(dir().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let t = table::read(file, &bytes, None).unwrap();
        let list = list_of(&l, source);
        assert_eq!(t.headers, list.headers, "{file}");
        let rows: Vec<Vec<String>> = t
            .rows
            .iter()
            .map(|r| {
                let mut cells = r.cells.clone();
                cells.resize(list.headers.len(), String::new());
                cells
            })
            .collect();
        assert_eq!(
            rows, list.rows,
            "{file} is stale: write the files again (see the top of this test)"
        );
    }
    let kept: Vec<ExpectedDoor> =
        serde_json::from_slice(&std::fs::read(dir().join("answer.json")).unwrap()).unwrap();
    assert_eq!(kept, l.answer, "answer.json is stale");

    // Imported onto the demo desk, with the notes the faults call for.
    let d = desk().await;
    for (file, source) in FILES {
        let bytes = std::fs::read(dir().join(file)).unwrap();
        let r = d
            .svc
            .import_households(
                Caller::System,
                source,
                file,
                &bytes,
                None,
                false,
                &|_, _| {},
            )
            .await
            .unwrap();
        assert!(
            r.errors.is_empty(),
            "{file}: {:?}",
            &r.errors[..r.errors.len().min(5)]
        );
        assert!(
            r.registered.is_empty(),
            "{file}: every demo door has its card"
        );
        let mut got: BTreeMap<String, usize> = BTreeMap::new();
        for f in &r.flags {
            let code = yihaotai_service::import::households::FLAGS
                .iter()
                .find(|(_, _, en)| {
                    f.en == *en
                        || (f.en.starts_with("repeats row")
                            && *en == "repeats an earlier row (same door, same name)")
                })
                .map(|(c, _, _)| c.to_string())
                .unwrap_or_else(|| f.en.clone());
            *got.entry(code).or_default() += 1;
        }
        let want: BTreeMap<String, usize> = l
            .flags
            .iter()
            .filter(|(s, _, _)| *s == source)
            .map(|(_, c, n)| (c.to_string(), *n))
            .collect();
        assert_eq!(got, want, "{file}'s notes");
    }
    let report = d.svc.cross_check(Caller::System).await.unwrap();
    let got: BTreeMap<String, (String, Vec<String>, Vec<String>)> = report
        .doors
        .iter()
        .map(|d| {
            (
                d.address.clone(),
                (
                    d.outcome.code().to_string(),
                    d.sources.iter().map(|s| s.code().to_string()).collect(),
                    d.owners_elsewhere.clone(),
                ),
            )
        })
        .collect();
    let mut wrong = Vec::new();
    for e in &l.answer {
        let want = (
            e.outcome.clone(),
            e.sources.clone(),
            e.owners_elsewhere.clone(),
        );
        match got.get(&e.address) {
            Some(g) if *g == want => {}
            g => wrong.push(format!(
                "{} ({}): want {want:?}, got {g:?}",
                e.address, e.fault
            )),
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} doors:\n{}",
        wrong.len(),
        l.answer.len(),
        wrong.join("\n")
    );
    assert_eq!(report.doors.len(), l.answer.len());
}
