//! The mirror's pages in a real headless Chromium: axe-core (the npm package in `tests/js`)
//! finds no serious or critical accessibility violation on the home page, a list, a country
//! page and an item page of each kind; on a 390 px phone nothing scrolls sideways, the
//! navigation wraps and table cells keep their column labels; the skip link is the first
//! thing the keyboard reaches. Screenshots at both widths are written under the test target
//! directory (`site-screens/`) for a person to look at.

use std::path::{Path, PathBuf};

use headless_chrome::Tab;
use headless_chrome::protocol::cdp::{Emulation, Page};
use serde_json::Value;

use crate::browser::{Failure, STEP, chromium_or_skip, in_browser, launch};
use crate::mirror_support::{Fed, PUBLIC};
use crate::site_support::{get_json, get_ok};

/// The viewports: a desktop browser, and a phone as wide as an iPhone 12 to 15.
const DESKTOP: (u32, u32) = (1280, 900);
const PHONE: (u32, u32) = (390, 844);

/// The axe-core script, or `None` when `tests/js` has no `node_modules/axe-core` (then the axe
/// checks say they skipped, unless `LIAISON_REQUIRE_NODE_CHECKS=1` makes that a failure).
fn axe_script() -> Option<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("js/node_modules/axe-core/axe.min.js");
    if let Ok(script) = std::fs::read_to_string(&path) {
        return Some(script);
    }
    assert!(
        std::env::var("LIAISON_REQUIRE_NODE_CHECKS").as_deref() != Ok("1"),
        "LIAISON_REQUIRE_NODE_CHECKS=1 but {} is missing",
        path.display()
    );
    eprintln!(
        "SKIPPED: the axe-core checks (needs 'npm ci' in tests/js, which .ci/run does); the \
         layout checks ran"
    );
    None
}

fn evaluate(tab: &Tab, expression: &str, promise: bool) -> Result<Value, Failure> {
    let result = tab.evaluate(expression, promise)?;
    Ok(result.value.unwrap_or(Value::Null))
}

fn viewport(tab: &Tab, (width, height): (u32, u32)) -> Result<(), Failure> {
    tab.call_method(Emulation::SetDeviceMetricsOverride {
        width,
        height,
        device_scale_factor: 1.0,
        mobile: width < 600,
        scale: None,
        screen_width: None,
        screen_height: None,
        position_x: None,
        position_y: None,
        dont_set_visible_size: None,
        screen_orientation: None,
        viewport: None,
        display_feature: None,
        device_posture: None,
    })?;
    Ok(())
}

/// What axe-core reports on the page in `tab`, for the WCAG 2.1 A and AA rules and its best
/// practices: every violation as `impact rule: help (n elements: selectors)`.
fn axe(tab: &Tab, script: &str) -> Result<Vec<(String, String)>, Failure> {
    evaluate(tab, script, false)?;
    let run = "axe.run(document, {runOnly: {type: 'tag', values: \
               ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}, \
               resultTypes: ['violations']}).then(r => JSON.stringify(r.violations))";
    let text = evaluate(tab, run, true)?;
    let violations: Vec<Value> = serde_json::from_str(text.as_str().ok_or("axe gave no result")?)?;
    Ok(violations
        .iter()
        .map(|v| {
            let targets: Vec<String> = v["nodes"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|n| n["target"].to_string())
                .collect();
            let impact = v["impact"].as_str().unwrap_or("unknown").to_owned();
            (impact, format!("{}: {} ({})", v["id"], v["help"], targets.join(", ")))
        })
        .collect())
}

/// The layout at the tab's width: page width against the viewport, the navigation fitting its
/// box, and (on a phone) each table cell showing its column label.
fn layout(tab: &Tab, width: u32) -> Result<Value, Failure> {
    let measure = "JSON.stringify({
        scroll: document.documentElement.scrollWidth,
        inner: window.innerWidth,
        navOverflow: (() => { const n = document.querySelector('nav ul');
            return n.scrollWidth - n.clientWidth; })(),
        cells: document.querySelectorAll('main td').length,
        unlabelled: [...document.querySelectorAll('main td')].filter(td => !td.dataset.label).length,
        labelShown: (() => { const td = document.querySelector('main td');
            return td ? getComputedStyle(td, '::before').content : null; })(),
        headShown: (() => { const th = document.querySelector('main thead');
            return th ? th.getBoundingClientRect().height > 2 : null; })(),
    })";
    let text = evaluate(tab, measure, false)?;
    let m: Value = serde_json::from_str(text.as_str().ok_or("no measure")?)?;
    let (scroll, inner) = (m["scroll"].as_u64().unwrap_or(0), m["inner"].as_u64().unwrap_or(0));
    // A phone zooms out to show a page wider than itself, so its layout viewport grows too.
    let wide = scroll.max(inner);
    if wide > u64::from(width) {
        return Err(format!("the page is {wide} px wide in a {width} px viewport: {m}").into());
    }
    if m["navOverflow"].as_i64() != Some(0) {
        return Err(format!("the navigation overflows its box: {m}").into());
    }
    if m["unlabelled"].as_u64() != Some(0) {
        return Err(format!("table cells without data-label: {m}").into());
    }
    if width == PHONE.0 && m["cells"].as_u64() > Some(0) {
        let label = m["labelShown"].as_str().unwrap_or("none");
        if label == "none" || label.len() < 3 || m["headShown"] != Value::Bool(false) {
            return Err(format!("on a phone, cells do not show their column labels: {m}").into());
        }
    }
    Ok(m)
}

/// The width of a PNG, from its header.
fn png_width(png: &[u8]) -> u32 {
    png.get(16..20).map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

fn screens() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("site-screens")
}

/// Tab, the first key a keyboard user presses, reaches the skip link, visibly, with a focus
/// outline; Enter on it moves to the main content.
fn keyboard(tab: &Tab) -> Result<(), Failure> {
    tab.press_key("Tab")?;
    let focused = "JSON.stringify((() => { const a = document.activeElement;
        const r = a.getBoundingClientRect(); const s = getComputedStyle(a);
        return {href: a.getAttribute('href'), left: r.left, width: r.width,
                outline: s.outlineStyle, outlineWidth: s.outlineWidth}; })())";
    let text = evaluate(tab, focused, false)?;
    let f: Value = serde_json::from_str(text.as_str().ok_or("no focus")?)?;
    let visible = f["left"].as_f64().is_some_and(|l| l >= 0.0)
        && f["width"].as_f64().is_some_and(|w| w > 10.0);
    if f["href"] != "#main" || !visible || f["outline"] == "none" {
        return Err(
            format!("the first Tab does not show the skip link with a focus ring: {f}").into()
        );
    }
    tab.press_key("Enter")?;
    let at = evaluate(tab, "location.hash", false)?;
    if at != "#main" {
        return Err(format!("the skip link leads to {at}").into());
    }
    Ok(())
}

/// A page with what the checks must catch (an unlabelled field, no language, a block wider
/// than a phone): they do.
fn the_checks_can_fail(tab: &Tab, axe_script: Option<&str>) -> Result<(), Failure> {
    viewport(tab, PHONE)?;
    let bad = "data:text/html,<html><head><meta name='viewport' content='width=device-width'></head><body><nav><ul><li>x</li></ul></nav><main><input>\
               <table><tr><td>cell</td></tr></table><div style='width:900px'>wide</div>\
               </main></body></html>";
    tab.navigate_to(bad)?.wait_until_navigated()?;
    let wide = layout(tab, PHONE.0).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(wide.contains("px wide in a 390 px viewport"), "the overflow check: {wide:?}");
    if let Some(script) = axe_script {
        let found = axe(tab, script)?;
        assert!(
            found.iter().any(|(impact, what)| impact == "critical" && what.contains("label")),
            "axe finds the unlabelled field: {found:?}"
        );
    }
    Ok(())
}

fn check(chromium: &Path, base: &str, pages: &[(String, String)]) -> Result<(), Failure> {
    let axe_script = axe_script();
    let (browser, _profile) = launch(chromium)?;
    let tab = browser.new_tab()?;
    tab.set_default_timeout(STEP);
    the_checks_can_fail(&tab, axe_script.as_deref())?;
    std::fs::create_dir_all(screens())?;
    let mut problems = Vec::new();
    for (width, height) in [DESKTOP, PHONE] {
        viewport(&tab, (width, height))?;
        for (name, path) in pages {
            tab.navigate_to(&format!("{base}{path}"))?.wait_until_navigated()?;
            match layout(&tab, width) {
                Ok(m) => eprintln!("{name} at {width} px: page {} px wide", m["scroll"]),
                Err(e) => problems.push(format!("{name} ({path}) at {width} px: {e}")),
            }
            let png =
                tab.capture_screenshot(Page::CaptureScreenshotFormatOption::Png, None, None, true)?;
            assert_eq!(png_width(&png), width, "{name}: the screenshot's width");
            std::fs::write(screens().join(format!("{name}-{width}.png")), &png)?;
            let Some(script) = &axe_script else { continue };
            let found = axe(&tab, script)?;
            eprintln!("axe, {name} at {width} px: {} violations {found:?}", found.len());
            for (impact, what) in found {
                if impact == "serious" || impact == "critical" {
                    problems.push(format!("{name} ({path}) at {width} px: {impact} {what}"));
                }
            }
        }
    }
    tab.navigate_to(&format!("{base}/"))?.wait_until_navigated()?;
    if let Err(e) = keyboard(&tab) {
        problems.push(format!("keyboard on {PHONE:?}: {e}"));
    }
    viewport(&tab, DESKTOP)?;
    tab.navigate_to(&format!("{base}/"))?.wait_until_navigated()?;
    if let Err(e) = keyboard(&tab) {
        problems.push(format!("keyboard on {DESKTOP:?}: {e}"));
    }
    if problems.is_empty() { Ok(()) } else { Err(problems.join("\n").into()) }
}

/// axe-core finds no serious or critical violation on the home page, a list, a country page
/// and an item page of each kind, and on Arabic (right-to-left) ones, at desktop and phone
/// widths; nothing scrolls sideways on a
/// 390 px phone and table cells keep their labels there; the keyboard reaches the skip link.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_page_passes_axe_and_fits_a_phone_in_chromium() {
    let Some(chromium) = chromium_or_skip() else { return };
    let fed = Fed::start().await;
    let mirror = fed.mirror();
    let mut pages = vec![
        ("home".to_owned(), "/".to_owned()),
        ("visits".to_owned(), "/visits/".to_owned()),
        ("contacts".to_owned(), "/contacts/".to_owned()),
        ("country".to_owned(), "/countries/SN/".to_owned()),
        ("search results".to_owned(), "/search?q=visit".to_owned()),
        ("refused search".to_owned(), "/search?q=nosuchfield%3Ax".to_owned()),
    ];
    for kind in ["visit", "event", "report", "contact"] {
        // The marked public items have every field of their kind, links and files included.
        let answer = get_json(mirror, &format!("/api/v1/items?kind={kind}&country=SN")).await;
        let item = answer["items"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|i| i["fields"]["title"]["value"].as_str().is_some_and(|t| t.contains(PUBLIC)))
            .unwrap_or_else(|| panic!("no public {kind} in Senegal: {answer}"));
        pages.push((kind.to_owned(), format!("/items/{}/", item["id"].as_str().unwrap_or("?"))));
    }
    // The same in Arabic, right to left: the home page, a list, a country and the visit.
    let visit = pages.iter().find(|(name, _)| name == "visit").map(|(_, p)| p.clone());
    for (name, path) in [
        ("arabic home", "/".to_owned()),
        ("arabic visits", "/visits/".to_owned()),
        ("arabic country", "/countries/SN/".to_owned()),
        ("arabic visit", visit.unwrap_or_default()),
    ] {
        let path = format!("{path}?lang=ar");
        let page = get_ok(mirror, &path).await;
        assert!(page.contains("<html lang=\"ar\" dir=\"rtl\">"), "{path}: not Arabic");
        pages.push((name.to_owned(), path));
    }
    let base = format!("http://{mirror}");
    in_browser(move || check(&chromium, &base, &pages)).await;
}
