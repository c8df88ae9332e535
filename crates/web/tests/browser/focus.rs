//! The focus ring, which axe-core does not check: walking a page with Tab, every stop must
//! show an outline at 3:1 or more against what lies around it (WCAG 1.4.11), on the grey
//! page, the white panels, the blue header and the striped tables alike.

use crate::harness::{log_in, run, Harness};
use fantoccini::{key::Key, Client};

/// Pages with the most kinds of focus stop: the header and its menu, forms, urgency tags,
/// tables with buttons, the scrollable policy table.
const PAGES: &[&str] = &["/", "/tickets/new", "/admin/catalogue", "/admin/policy"];

/// At most this many Tab presses a page: more than any page has stops.
const MAX_STOPS: usize = 80;

/// Describes the focused element's ring, or what is wrong with it. The ring is its own
/// outline, or the outline of the tag beside a hidden urgency radio. What lies around it
/// is the first opaque background among its ancestors (the outline sits outside the
/// element, with a gap of `outline-offset`).
const RING: &str = r#"
const el = document.activeElement;
if (!el || el === document.body) return null;
const rgb = s => (s.match(/[\d.]+/g) || []).map(Number);
const lum = ([r, g, b]) => [r, g, b].map(c => c / 255)
  .map(c => c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)
  .reduce((s, c, i) => s + c * [0.2126, 0.7152, 0.0722][i], 0);
const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
let ring = el;
if (getComputedStyle(el).outlineStyle === 'none' && el.nextElementSibling) ring = el.nextElementSibling;
const st = getComputedStyle(ring);
const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' "' + (el.textContent || el.value || '').trim().slice(0, 20) + '"';
if (st.outlineStyle === 'none' || parseFloat(st.outlineWidth) < 2) return { name, bad: 'no outline' };
let bg = null;
for (let p = ring.parentElement; p && !bg; p = p.parentElement) {
  const c = rgb(getComputedStyle(p).backgroundColor);
  if (c.length === 3 || (c.length === 4 && c[3] === 1)) bg = c;
}
bg = bg || [255, 255, 255];
const r = ratio(rgb(st.outlineColor), bg);
return { name, ratio: r, bad: r < 3 ? `outline ${st.outlineColor} on rgb(${bg}) is ${r.toFixed(2)}:1` : null };
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and chromedriver; run by .ci/run"]
async fn every_focus_stop_shows_a_ring_at_3_to_1() {
    run(async |c: &Client, h: &Harness| {
        log_in(c, h, "admin", "demo-admin-2026").await;
        let mut bad = Vec::new();
        for page in PAGES {
            h.open(c, page).await;
            let mut seen = 0;
            for _ in 0..MAX_STOPS {
                let el = c.active_element().await.expect("the focused element");
                el.send_keys(&char::from(Key::Tab).to_string())
                    .await
                    .expect("press Tab");
                let stop = c.execute(RING, vec![]).await.expect("read the focus ring");
                if stop.is_null() {
                    break; // Tab left the page: every stop was seen.
                }
                seen += 1;
                if let Some(why) = stop["bad"].as_str() {
                    bad.push(format!("{page}: {} — {why}", stop["name"]));
                }
            }
            assert!(seen > 3, "{page}: Tab reached only {seen} stops");
        }
        assert!(bad.is_empty(), "weak focus rings:\n{}", bad.join("\n"));
    })
    .await;
}
