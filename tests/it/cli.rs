//! The CLI end to end: publishing, listing and showing.

use crate::support::Node;

#[test]
fn a_forecast_prints_its_id_and_shows_up_in_list_and_show() {
    let node = Node::init("ohchr");
    let id = node.publish(&[
        "visit",
        "forecast",
        "--mandate",
        "SR on torture",
        "--country",
        "TN",
        "--planned",
        "2027-Q2",
    ]);
    let items = node.items();
    assert_eq!(items[0]["id"], id.as_str());
    assert_eq!(items[0]["fields"]["visit"]["planned"]["precision"], "quarter");
    let shown = node.ok(&["show", &id]);
    assert!(shown.contains("signature verifies"), "{shown}");
    assert!(shown.contains("all member nodes"), "{shown}");
}
