//! A roster peer that sends malformed or oversized frames: refused, counted with the reason in
//! `liaison peers`, disconnected when it persists, and nothing it sent is stored.

use std::io;
use std::time::Duration;

use futures::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _, StreamExt as _};
use liaison_protocol::{Card, Label, Role};
use libp2p::request_response::{self, ProtocolSupport};
use libp2p::swarm::SwarmEvent;
use libp2p::{StreamProtocol, Swarm};

use crate::fed_support::{DEADLINE, TestNode, eventually, visit};

/// Writes whatever bytes it is given on the sync protocol, and reads answers as bytes.
#[derive(Debug, Clone, Copy, Default)]
struct RawBytes;

impl request_response::Codec for RawBytes {
    type Protocol = StreamProtocol;
    type Request = Vec<u8>;
    type Response = Vec<u8>;

    async fn read_request<T: AsyncRead + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
    ) -> io::Result<Vec<u8>> {
        let mut bytes = Vec::new();
        io.take(1 << 20).read_to_end(&mut bytes).await?;
        Ok(bytes)
    }

    async fn read_response<T: AsyncRead + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
    ) -> io::Result<Vec<u8>> {
        let mut bytes = Vec::new();
        io.take(1 << 20).read_to_end(&mut bytes).await?;
        Ok(bytes)
    }

    async fn write_request<T: AsyncWrite + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        req: Vec<u8>,
    ) -> io::Result<()> {
        io.write_all(&req).await?;
        io.close().await
    }

    async fn write_response<T: AsyncWrite + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        res: Vec<u8>,
    ) -> io::Result<()> {
        io.write_all(&res).await?;
        io.close().await
    }
}

fn swarm(key: &ed25519_dalek::SigningKey) -> Swarm<request_response::Behaviour<RawBytes>> {
    libp2p::SwarmBuilder::with_existing_identity(liaison_node::daemon::net::keypair(key))
        .with_tokio()
        .with_tcp(
            libp2p::tcp::Config::default(),
            libp2p::noise::Config::new,
            libp2p::yamux::Config::default,
        )
        .expect("tcp")
        .with_behaviour(|_| {
            let config =
                request_response::Config::default().with_request_timeout(Duration::from_secs(30));
            request_response::Behaviour::with_codec(
                RawBytes,
                [(StreamProtocol::new("/liaison/sync/1"), ProtocolSupport::Full)],
                config,
            )
        })
        .expect("behaviour")
        .build()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_and_oversized_frames_are_refused_counted_and_end_in_a_disconnect() {
    let mut node = TestNode::init("ohchr", "ohchr", Role::Member);
    node.start().await;
    node.create(visit("Existing visit", Label::Green, &[], &[])).await;
    let digests = |entries: std::collections::BTreeMap<_, liaison_node::Entry>| {
        entries.into_iter().map(|(id, e)| (id, e.record.digest)).collect::<Vec<_>>()
    };
    let before = digests(node.entries().await);
    let key = ed25519_dalek::SigningKey::from_bytes(&[42; 32]);
    let card = Card {
        mechanism: "coe".parse().expect("code"),
        name: None,
        role: Role::Member,
        key: (&key.verifying_key()).into(),
        addrs: vec![],
    };
    node.knows(&card).await;

    let mut raw = swarm(&key);
    let running = node.running.as_ref().expect("running");
    raw.add_peer_address(running.peer_id, running.listening[0].clone());
    let frames: Vec<Vec<u8>> = vec![
        b"not cbor at all".to_vec(),
        vec![0xa1, 0x61, 0x78, 0x01], // valid CBOR, not a sync message
        vec![0xbf; 64],               // an unterminated CBOR map
        vec![0u8; 17 * 1024 * 1024],  // over the 16 MiB message limit
        b"still not cbor".to_vec(),
    ];
    let peer = running.peer_id;
    let mut disconnected = false;
    for frame in frames {
        raw.behaviour_mut().send_request(&peer, frame);
        // Drive the swarm until this request ends one way or the other.
        let ended = async {
            loop {
                match raw.select_next_some().await {
                    SwarmEvent::Behaviour(request_response::Event::Message { .. })
                    | SwarmEvent::Behaviour(request_response::Event::OutboundFailure { .. }) => {
                        return false;
                    }
                    SwarmEvent::ConnectionClosed { num_established: 0, .. } => return true,
                    _ => {}
                }
            }
        };
        disconnected |= tokio::time::timeout(DEADLINE, ended).await.expect("the request ends");
    }
    let status = eventually(DEADLINE, || async {
        match node.peer_status(card.key).await {
            Some(s) if s.refused >= 4 => Ok(s),
            other => Err(format!("not counted yet: {other:?}")),
        }
    })
    .await;
    assert!(status.last_refusal.as_deref().is_some_and(|r| r.contains("malformed")), "{status:?}");
    assert!(disconnected || !status.connected, "a peer that persists is disconnected");
    assert_eq!(digests(node.entries().await), before, "nothing it sent is stored");
}
