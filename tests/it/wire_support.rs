//! Support for tests that reach under the nodes: a TCP proxy between two nodes, to cut and
//! heal the network, and a bare libp2p peer that speaks the sync protocol by hand.
#![allow(dead_code)] // Not every test uses every helper.

use std::net::SocketAddr;
use std::time::Duration;

use futures::StreamExt as _;
use liaison_node::daemon::net::{Behaviour, BehaviourEvent, Frame};
use liaison_node::daemon::{self};
use liaison_protocol::sync::{ItemPayload, Reconcile, SyncRequest, SyncResponse};
use libp2p::request_response::{Event, Message, OutboundRequestId};
use libp2p::swarm::SwarmEvent;
use libp2p::{Multiaddr, PeerId, Swarm};
use tokio::io::AsyncWriteExt as _;
use tokio::sync::watch;

use crate::fed_support::*;

/// A TCP proxy to a node's listen address that can cut the link: the network between two
/// groups of nodes, split and healed without the nodes knowing.
#[derive(Debug)]
pub(crate) struct Proxy {
    /// Where to dial instead of the node.
    pub(crate) addr: SocketAddr,
    up: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// A proxy to the node listening on the multiaddress `target` (`/ip4/127.0.0.1/tcp/PORT`).
    pub(crate) async fn to(target: &str) -> Proxy {
        let port: u16 = target.rsplit('/').next().and_then(|p| p.parse().ok()).expect("port");
        let target = SocketAddr::from(([127, 0, 0, 1], port));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy address");
        let (up, watching) = watch::channel(true);
        let task = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let mut watching = watching.clone();
                if !*watching.borrow_and_update() {
                    let _ = inbound.shutdown().await;
                    continue;
                }
                tokio::spawn(async move {
                    let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = watching.wait_for(|up| !*up) => {}
                    }
                });
            }
        });
        Proxy { addr, up, task }
    }

    /// The proxy as a libp2p multiaddress.
    pub(crate) fn multiaddr(&self) -> String {
        format!("/ip4/127.0.0.1/tcp/{}", self.addr.port())
    }

    /// Drops every connection through the proxy and refuses new ones.
    pub(crate) fn cut(&self) {
        self.up.send_replace(false);
    }

    /// Lets connections through again.
    pub(crate) fn heal(&self) {
        self.up.send_replace(true);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A bare libp2p peer speaking the sync protocol by hand, with any key: what a hostile or
/// buggy node could send. It answers requests from the node with empty answers, and keeps the
/// pushes and fetches it was sent.
#[allow(missing_debug_implementations)] // The swarm has no Debug.
pub(crate) struct RawPeer {
    pub(crate) swarm: Swarm<Behaviour>,
    /// The pushes, offers and fetches the node sent, in order.
    pub(crate) received: Vec<SyncRequest>,
    /// What this peer answers fetches from: the items asked for that it holds here.
    pub(crate) serves: Vec<ItemPayload>,
}

impl RawPeer {
    /// A peer with the libp2p identity of `key`.
    pub(crate) fn new(key: &ed25519_dalek::SigningKey) -> RawPeer {
        let swarm = libp2p::SwarmBuilder::with_existing_identity(daemon::net::keypair(key))
            .with_tokio()
            .with_tcp(
                libp2p::tcp::Config::default().nodelay(true),
                libp2p::noise::Config::new,
                libp2p::yamux::Config::default,
            )
            .expect("tcp")
            .with_behaviour(Behaviour::new)
            .expect("behaviour")
            .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(60)))
            .build();
        RawPeer { swarm, received: Vec::new(), serves: Vec::new() }
    }

    /// The peer id and first listen address of a running node.
    pub(crate) fn addr_of(node: &TestNode) -> (PeerId, Multiaddr) {
        let running = node.running.as_ref().expect("running");
        (running.peer_id, running.listening[0].clone())
    }

    /// Listens on a random port of 127.0.0.1; returns the address.
    pub(crate) async fn listen(&mut self) -> Multiaddr {
        self.swarm.listen_on("/ip4/127.0.0.1/tcp/0".parse().expect("multiaddr")).expect("listen");
        loop {
            if let SwarmEvent::NewListenAddr { address, .. } = self.swarm.select_next_some().await {
                return address;
            }
        }
    }

    /// Waits for the next connection a node opens to this peer, drops it at once (as a node
    /// that does not know the caller does), and returns when it came.
    pub(crate) async fn drop_next_connection(&mut self) -> tokio::time::Instant {
        let wait = async {
            loop {
                if let SwarmEvent::ConnectionEstablished { peer_id, .. } =
                    self.swarm.select_next_some().await
                {
                    let _ = self.swarm.disconnect_peer_id(peer_id);
                    return tokio::time::Instant::now();
                }
            }
        };
        tokio::time::timeout(DEADLINE, wait).await.expect("a connection")
    }

    /// Sends `request` to the node `peer` at `addr` (dialling if need be) and waits for the
    /// answer; `Err` when the request fails (refused connection, closed stream).
    pub(crate) async fn request(
        &mut self,
        peer: PeerId,
        addr: &Multiaddr,
        request: SyncRequest,
    ) -> Result<SyncResponse, String> {
        self.swarm.add_peer_address(peer, addr.clone());
        let id = self.swarm.behaviour_mut().sync.send_request(&peer, Frame::Message(request));
        let wait = async {
            loop {
                if let Some(answer) = self.on_event(Some(id)).await {
                    return answer;
                }
            }
        };
        tokio::time::timeout(DEADLINE, wait).await.unwrap_or_else(|_| Err("timed out".to_owned()))
    }

    /// Serves the node until what it sent satisfies `done`.
    pub(crate) async fn until(&mut self, done: impl Fn(&[SyncRequest]) -> bool) {
        let wait = async {
            while !done(&self.received) {
                self.on_event(None).await;
            }
        };
        if tokio::time::timeout(DEADLINE, wait).await.is_err() {
            panic!("the node did not send what was expected; it sent {:?}", self.received);
        }
    }

    /// Handles one event; the answer to request `id` if this was it.
    async fn on_event(
        &mut self,
        id: Option<OutboundRequestId>,
    ) -> Option<Result<SyncResponse, String>> {
        let SwarmEvent::Behaviour(BehaviourEvent::Sync(event)) =
            self.swarm.select_next_some().await
        else {
            return None;
        };
        match event {
            Event::Message { message: Message::Response { request_id, response }, .. }
                if Some(request_id) == id =>
            {
                Some(match response {
                    Frame::Message(response) => Ok(response),
                    Frame::Malformed(why) => Err(format!("malformed response: {why}")),
                })
            }
            Event::Message {
                message: Message::Request { request: Frame::Message(request), channel, .. },
                ..
            } => {
                let answer = match &request {
                    SyncRequest::Reconcile(_) => {
                        SyncResponse::Reconcile(Reconcile { ranges: Vec::new() })
                    }
                    SyncRequest::Push(_) | SyncRequest::Offer(_) => {
                        SyncResponse::Ack { accepted: 0, refused: Vec::new() }
                    }
                    SyncRequest::Statements(_) => SyncResponse::Statements(Vec::new()),
                    SyncRequest::Clock => SyncResponse::Clock(chrono::Utc::now()),
                    SyncRequest::Fetch(ids) => SyncResponse::Items(
                        self.serves
                            .iter()
                            .filter(|p| p.header.verify().is_ok_and(|h| ids.contains(&h.id)))
                            .cloned()
                            .collect(),
                    ),
                };
                if !matches!(
                    request,
                    SyncRequest::Reconcile(_) | SyncRequest::Statements(_) | SyncRequest::Clock
                ) {
                    self.received.push(request);
                }
                let _ =
                    self.swarm.behaviour_mut().sync.send_response(channel, Frame::Message(answer));
                None
            }
            Event::OutboundFailure { request_id, error, .. } if Some(request_id) == id => {
                Some(Err(error.to_string()))
            }
            _ => None,
        }
    }
}
