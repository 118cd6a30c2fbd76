//! The mirror's site in a real browser: headless Chromium (Debian's `chromium`, which
//! `.ci/run` installs), driven over the DevTools protocol, as an NGO reader would use it.

use std::ffi::OsStr;
use std::path::Path;
use std::time::{Duration, Instant};

use headless_chrome::{Browser, LaunchOptions, Tab};

use crate::mirror_support::{Fed, OHCHR};

/// Where Debian's package puts the browser; `LIAISON_CHROMIUM` names another.
const CHROMIUM: &str = "/usr/bin/chromium";

fn chromium() -> std::path::PathBuf {
    std::env::var_os("LIAISON_CHROMIUM").map_or_else(|| CHROMIUM.into(), Into::into)
}

/// What this machine's closed network and a root user need (see the machine notes): no
/// sandbox, no GPU, no background connections to Google's hosts.
const FLAGS: [&str; 5] = [
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// How long the browser may take over one step.
pub(crate) const STEP: Duration = Duration::from_secs(30);

pub(crate) type Failure = Box<dyn std::error::Error + Send + Sync>;

/// Waits until the tab's URL satisfies `done` (a click navigates asynchronously).
fn wait_for_url(tab: &Tab, done: impl Fn(&str) -> bool) -> Result<String, Failure> {
    let start = Instant::now();
    loop {
        let url = tab.get_url();
        if done(&url) {
            tab.wait_until_navigated()?;
            return Ok(url);
        }
        if start.elapsed() > STEP {
            return Err(format!("the browser stayed on {url}").into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Clicks the link to the visit titled `title` and checks its page and provenance section.
fn open_visit_and_see_provenance(tab: &Tab, title: &str, key: &str) -> Result<(), Failure> {
    let before = tab.get_url();
    tab.wait_for_xpath(&format!("//main//a[normalize-space(text())='{title}']"))?.click()?;
    let url = wait_for_url(tab, |u| u != before && u.contains("/items/"))?;
    let heading = tab.wait_for_element("main h1")?.get_inner_text()?;
    assert_eq!(heading.trim(), title, "the visit's page at {url}");
    let provenance = tab.wait_for_element("#provenance")?.get_inner_text()?;
    assert!(provenance.contains("Provenance"), "no provenance heading: {provenance}");
    assert!(provenance.contains(key), "the creator key {key} is not shown: {provenance}");
    assert!(provenance.contains("ohchr"), "the creator's mechanism is not shown: {provenance}");
    Ok(())
}

/// A fresh headless Chromium with its own profile (deleted when the returned folder is).
pub(crate) fn launch(chromium: &Path) -> Result<(Browser, tempfile::TempDir), Failure> {
    let profile = tempfile::tempdir()?;
    let options = LaunchOptions::default_builder()
        .path(Some(chromium.to_owned()))
        .headless(true)
        .sandbox(false)
        .enable_gpu(false)
        .user_data_dir(Some(profile.path().to_owned()))
        .args(FLAGS.iter().map(OsStr::new).collect())
        .idle_browser_timeout(Duration::from_secs(120))
        .build()?;
    Ok((Browser::new(options)?, profile))
}

/// The browser to drive, or `None` (the test then says it skipped) when it is not installed;
/// with `LIAISON_REQUIRE_BROWSER=1`, a missing browser fails the test instead.
pub(crate) fn chromium_or_skip() -> Option<std::path::PathBuf> {
    let chromium = chromium();
    if chromium.exists() {
        return Some(chromium);
    }
    assert!(
        std::env::var("LIAISON_REQUIRE_BROWSER").as_deref() != Ok("1"),
        "LIAISON_REQUIRE_BROWSER=1 but {} is not installed",
        chromium.display()
    );
    eprintln!("SKIPPED: headless Chromium not installed (.ci/run installs it)");
    None
}

/// Runs `work` on a blocking thread (the browser's calls block) and fails the test with its
/// error.
pub(crate) async fn in_browser(work: impl FnOnce() -> Result<(), Failure> + Send + 'static) {
    let outcome = tokio::task::spawn_blocking(move || work().map_err(|e| e.to_string()))
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
    if let Err(e) = outcome {
        panic!("in Chromium: {e}");
    }
}

fn browse(chromium: &Path, base: &str, key: &str) -> Result<(), Failure> {
    let (browser, _profile) = launch(chromium)?;
    let tab = browser.new_tab()?;
    tab.set_default_timeout(STEP);
    let visit = "SR on torture: visit to Tunisia";

    // Home page, then the country's link, then the visit, then its provenance.
    tab.navigate_to(&format!("{base}/"))?.wait_until_navigated()?;
    assert!(tab.get_title()?.contains("Country visits"), "home page title: {}", tab.get_title()?);
    tab.wait_for_xpath("//a[@href='/countries/TN/']")?.click()?;
    wait_for_url(&tab, |u| u.ends_with("/countries/TN/"))?;
    let heading = tab.wait_for_element("main h1")?.get_inner_text()?;
    assert_eq!(heading.trim(), "Tunisia");
    open_visit_and_see_provenance(&tab, visit, key)?;

    // The visits page's filter form, with country=TN typed in.
    tab.navigate_to(&format!("{base}/visits/"))?.wait_until_navigated()?;
    tab.wait_for_element("input[name=country]")?.click()?;
    tab.type_str("TN")?;
    tab.wait_for_element("form button[type=submit]")?.click()?;
    wait_for_url(&tab, |u| u.contains("country=TN"))?;
    let rows = tab.wait_for_elements("main tbody tr")?;
    let mut titles = Vec::new();
    for row in &rows {
        let text = row.get_inner_text()?;
        assert!(text.contains("Tunisia"), "a visit outside Tunisia in the filtered list: {text}");
        titles.push(text);
    }
    assert!(titles.iter().any(|t| t.contains(visit)), "{visit} not listed: {titles:?}");
    open_visit_and_see_provenance(&tab, visit, key)?;
    Ok(())
}

/// A reader opens the mirror's home page, filters by a country (its link on the home page,
/// then the visits page's form), follows a visit and sees who signed it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_finds_a_visit_by_country_and_sees_its_provenance_in_chromium() {
    let Some(chromium) = chromium_or_skip() else { return };
    let fed = Fed::start().await;
    let base = format!("http://{}", fed.mirror());
    let key = fed.net[OHCHR].key().to_string();
    in_browser(move || browse(&chromium, &base, &key)).await;
}
