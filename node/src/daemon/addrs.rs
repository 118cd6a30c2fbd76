//! Roster peers' addresses learned from what they announce (identify's listen addresses), so a
//! peer that moved to another address or port is dialled where it listens now, after a restart
//! of this node too.
//!
//! A peer's card keeps the addresses it announced first (at most [`MAX_ANNOUNCED`]), then those
//! it had, most recent first, up to [`MAX_ADDRS`]: an address the operator gave (the public
//! address of a NAT in front of the peer's private one, say) is not lost because the peer
//! announced another, and a stale one drops off once newer ones fill the card.

use libp2p::Multiaddr;
use libp2p::multiaddr::Protocol;

/// Most addresses kept on a learned card; with [`MAX_ADDR_LEN`], the card stays far within
/// the card size bound.
pub(super) const MAX_ADDRS: usize = 8;
/// Most addresses taken from one announcement, so the known ones keep room on the card.
pub(super) const MAX_ANNOUNCED: usize = 4;
/// Longest address (as text) taken from an announcement.
pub(super) const MAX_ADDR_LEN: usize = 128;

/// The addresses a peer's card should hold once the peer announced `announced`, when they
/// differ from `known` (what the card holds): the dialable ones announced, then the known ones,
/// without repeats, at most [`MAX_ANNOUNCED`] and [`MAX_ADDRS`] in all. `None` when the card should stay as it is.
///
/// Loopback addresses are taken only when the card has addresses and all of them are loopback
/// (nodes on one machine); unspecified, link-local and undialable addresses never are.
pub(super) fn learned(known: &[String], announced: &[Multiaddr]) -> Option<Vec<String>> {
    let local_only = !known.is_empty()
        && known.iter().all(|a| a.parse::<Multiaddr>().is_ok_and(|a| is_loopback(&a)));
    let mut out: Vec<String> = Vec::new();
    for addr in announced {
        let Some(addr) = dialable(addr) else { continue };
        if is_loopback(&addr) && !local_only {
            continue;
        }
        let text = addr.to_string();
        if text.len() <= MAX_ADDR_LEN && !out.contains(&text) && out.len() < MAX_ANNOUNCED {
            out.push(text);
        }
    }
    if out.is_empty() || out.iter().all(|a| known.contains(a)) {
        return None;
    }
    for addr in known {
        if !out.contains(addr) {
            out.push(addr.clone());
        }
    }
    out.truncate(MAX_ADDRS);
    Some(out)
}

/// `addr` without a trailing `/p2p/...`, if it is an IP or DNS address with a TCP port and
/// nothing else, and not an unspecified or link-local IP.
fn dialable(addr: &Multiaddr) -> Option<Multiaddr> {
    let mut parts: Vec<Protocol<'_>> = addr.iter().collect();
    if matches!(parts.last(), Some(Protocol::P2p(_))) {
        parts.pop();
    }
    let [host, Protocol::Tcp(port)] = parts.as_slice() else { return None };
    let host_ok = match host {
        Protocol::Ip4(a) => !a.is_unspecified() && !a.is_link_local(),
        Protocol::Ip6(a) => !a.is_unspecified() && !a.is_unicast_link_local(),
        Protocol::Dns(_) | Protocol::Dns4(_) | Protocol::Dns6(_) => true,
        _ => false,
    };
    (host_ok && *port != 0).then(|| parts.into_iter().collect())
}

fn is_loopback(addr: &Multiaddr) -> bool {
    match addr.iter().next() {
        Some(Protocol::Ip4(a)) => a.is_loopback(),
        Some(Protocol::Ip6(a)) => a.is_loopback(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::{MAX_ANNOUNCED, learned};

    fn addrs(list: &[&str]) -> Vec<libp2p::Multiaddr> {
        list.iter().map(|a| a.parse().expect("multiaddr")).collect()
    }

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|a| (*a).to_owned()).collect()
    }

    #[test]
    fn a_new_address_comes_first_and_the_old_ones_stay() {
        let known = strings(&["/ip4/192.0.2.10/tcp/4747"]);
        let got = learned(&known, &addrs(&["/ip4/192.0.2.11/tcp/4747"]));
        assert_eq!(got, Some(strings(&["/ip4/192.0.2.11/tcp/4747", "/ip4/192.0.2.10/tcp/4747"])));
    }

    #[test]
    fn nothing_new_changes_nothing() {
        let known = strings(&["/ip4/192.0.2.11/tcp/4747", "/ip4/192.0.2.10/tcp/4747"]);
        assert_eq!(learned(&known, &addrs(&["/ip4/192.0.2.10/tcp/4747"])), None);
        assert_eq!(learned(&known, &[]), None);
    }

    #[test]
    fn loopback_only_among_nodes_on_one_machine() {
        let lo = addrs(&["/ip4/127.0.0.1/tcp/5000", "/ip6/::1/tcp/5000"]);
        assert_eq!(learned(&strings(&["/ip4/192.0.2.10/tcp/4747"]), &lo), None);
        assert_eq!(learned(&[], &lo), None, "a peer with no address never gets a loopback one");
        let known = strings(&["/ip4/127.0.0.1/tcp/4000"]);
        assert_eq!(
            learned(&known, &lo[..1]),
            Some(strings(&["/ip4/127.0.0.1/tcp/5000", "/ip4/127.0.0.1/tcp/4000"]))
        );
    }

    #[test]
    fn undialable_addresses_are_left_out() {
        let odd = addrs(&[
            "/ip4/0.0.0.0/tcp/4747",
            "/ip6/::/tcp/4747",
            "/ip4/169.254.1.1/tcp/4747",
            "/ip6/fe80::1/tcp/4747",
            "/ip4/192.0.2.1/udp/4747/quic-v1",
            "/ip4/192.0.2.1/tcp/0",
        ]);
        assert_eq!(learned(&[], &odd), None);
        let p2p =
            "/ip4/192.0.2.1/tcp/4747/p2p/12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp";
        assert_eq!(learned(&[], &addrs(&[p2p])), Some(strings(&["/ip4/192.0.2.1/tcp/4747"])));
    }

    #[test]
    fn a_card_holds_a_bounded_number_of_addresses() {
        let many: Vec<String> = (1..40).map(|i| format!("/ip4/192.0.2.{i}/tcp/4747")).collect();
        let announced: Vec<libp2p::Multiaddr> =
            many.iter().map(|a| a.parse().expect("addr")).collect();
        let dns = "/dns4/liaison.example.org/tcp/4747";
        let got = learned(&strings(&[dns]), &announced).expect("new addresses");
        assert_eq!(got.len(), MAX_ANNOUNCED + 1, "{got:?}");
        assert_eq!(got.last().map(String::as_str), Some(dns), "the operator's address stays");
    }
}
