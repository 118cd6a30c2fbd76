//! Labels and the policy: who may receive an item, who may write it.

use crate::label::{check_audience, describe_audience};
use crate::test_support::*;
use crate::{Destination, Header, Kind, Label, Peer, Role, may_leave, may_receive, may_write};

/// The peers of the table, in column order.
const PEERS: [(&str, &str, Role); 6] = [
    ("owner member", "ohchr", Role::Member),
    ("co-owner member", "achpr", Role::Member),
    ("audience member", "coe", Role::Member),
    ("other member", "iachr", Role::Member),
    ("mirror of the owner", "ohchr", Role::Mirror),
    ("mirror", "hrw", Role::Mirror),
];

fn peer(mechanism: &str, role: Role) -> Peer {
    Peer { mechanism: mech(mechanism), role }
}

/// An item owned by ohchr, co-owned by achpr, going to coe when amber.
fn joint(label: Label) -> Header {
    let mut h = header(Kind::Report, label, OHCHR_1);
    if label != Label::Red {
        h.co_owners = vec![mech("achpr")];
        h.consents =
            vec![crate::Consent::sign(&key(ACHPR), h.id, h.kind, &h.owner, &mech("achpr"))];
    }
    assert_eq!(h.validate(), Ok(()));
    h
}

#[test]
fn may_receive_follows_the_label_for_every_kind_of_peer() {
    let t = true;
    let f = false;
    let table = [
        // owner, co-owner, audience, other, owner's mirror, mirror
        (Label::Clear, [t, t, t, t, t, t]),
        (Label::Green, [t, t, t, t, f, f]),
        (Label::Amber, [t, t, t, f, f, f]),
        (Label::AmberStrict, [t, t, f, f, f, f]),
        (Label::Red, [f, f, f, f, f, f]),
    ];
    for (label, row) in table {
        let header = joint(label);
        for ((name, mechanism, role), expected) in PEERS.iter().zip(row) {
            assert_eq!(
                may_receive(&header, &peer(mechanism, *role)),
                expected,
                "{label} to {name}"
            );
        }
    }
}

/// The gate: nodes by the label table, mechanisms as their member nodes, the public only
/// clear and live items; withdrawn items still travel between nodes.
#[test]
fn may_leave_asks_the_label_for_each_destination() {
    let (ohchr, coe, iachr) = (mech("ohchr"), mech("coe"), mech("iachr"));
    for label in Label::ALL {
        let header = joint(label);
        for withdrawn in [false, true] {
            for (_, mechanism, role) in PEERS {
                let p = peer(mechanism, role);
                let to_node = may_leave(&header, withdrawn, Destination::Node(&p));
                assert_eq!(to_node, may_receive(&header, &p), "{label} to {mechanism}");
            }
            for m in [&ohchr, &coe, &iachr] {
                let member = peer(m.as_str(), Role::Member);
                let to_file = may_leave(&header, withdrawn, Destination::Mechanism(m));
                assert_eq!(to_file, may_receive(&header, &member), "{label} file for {m}");
            }
            let public = may_leave(&header, withdrawn, Destination::Public);
            assert_eq!(public, label == Label::Clear && !withdrawn, "{label} to the public");
        }
    }
    // A plain export is a file for the node's own mechanism: never red.
    assert!(!may_leave(&joint(Label::Red), false, Destination::Mechanism(&ohchr)));
    assert!(may_leave(&joint(Label::AmberStrict), false, Destination::Mechanism(&ohchr)));
}

#[test]
fn red_goes_to_no_other_node_even_with_co_owners_in_a_forged_header() {
    let mut header = joint(Label::Red);
    header.co_owners = vec![mech("achpr")];
    assert!(header.validate().is_err());
    for (name, mechanism, role) in PEERS {
        assert!(!may_receive(&header, &peer(mechanism, role)), "red to {name}");
    }
}

#[test]
fn only_members_of_the_owner_and_co_owners_may_write() {
    // owner, co-owner, audience, other, owner's mirror, mirror
    let expected = [true, true, false, false, false, false];
    for label in Label::ALL {
        let header = joint(label);
        let co_owned = !header.co_owners.is_empty();
        for ((name, mechanism, role), may) in PEERS.iter().zip(expected) {
            let may = may && (co_owned || *mechanism == "ohchr");
            assert_eq!(may_write(&header, &peer(mechanism, *role)), may, "{label}: {name} writes");
        }
    }
}

#[test]
fn amber_needs_an_audience() {
    let err = check_audience(Label::Amber, &[]).unwrap_err();
    assert_eq!(err.field, "audience");
    assert_eq!(check_audience(Label::Amber, &[mech("coe"), mech("achpr")]), Ok(()));
}

#[test]
fn only_amber_has_an_audience() {
    for label in [Label::Clear, Label::Green, Label::AmberStrict, Label::Red] {
        assert_eq!(check_audience(label, &[]), Ok(()), "{label}");
        let err = check_audience(label, &[mech("coe")]).unwrap_err();
        assert_eq!((err.field.as_str(), err.value.as_str()), ("audience", "coe"), "{label}");
    }
}

#[test]
fn describe_audience_names_who_may_see_the_item() {
    let amber = describe_audience(&joint(Label::Amber));
    for m in ["ohchr", "achpr", "coe"] {
        assert!(amber.contains(m), "{amber}");
    }
    let strict = describe_audience(&joint(Label::AmberStrict));
    assert!(
        strict.contains("ohchr") && strict.contains("achpr") && !strict.contains("coe"),
        "{strict}"
    );
    assert!(describe_audience(&joint(Label::Clear)).contains("mirrors"));
    assert!(describe_audience(&joint(Label::Green)).contains("no mirror"));
    assert!(describe_audience(&joint(Label::Red)).contains("this node only"));
}

#[test]
fn labels_parse_and_print_the_same_words() {
    for label in Label::ALL {
        assert_eq!(label.as_str().parse::<Label>(), Ok(label));
        assert_eq!(serde_json::to_string(&label).unwrap(), format!("\"{label}\""));
    }
    assert_eq!(Label::default(), Label::Green);
    assert_eq!("AMBER".parse::<Label>().unwrap_err().field, "label");
    assert_eq!("tlp:amber".parse::<Label>().unwrap_err().field, "label");
}
