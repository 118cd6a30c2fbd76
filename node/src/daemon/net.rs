//! The libp2p side (public so tests can speak the wire protocol to a node): the network behaviour, the sync protocol's CBOR codec with its size limit,
//! and the mapping between Liaison keys and libp2p peer ids.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use futures::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};
use liaison_protocol::PublicKey;
use liaison_protocol::codec;
use liaison_protocol::sync::{MAX_MESSAGE_BYTES, SyncRequest, SyncResponse};
use libp2p::swarm::NetworkBehaviour;
use libp2p::{PeerId, StreamProtocol, connection_limits, identify, ping, request_response};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The sync protocol's name and version.
pub const SYNC_PROTOCOL: StreamProtocol = StreamProtocol::new("/liaison/sync/1");

/// What identify tells peers this node runs: Liaison and its version.
pub const AGENT_VERSION: &str = concat!("liaison/", env!("CARGO_PKG_VERSION"));

/// Everything a node speaks to its peers.
#[derive(NetworkBehaviour)]
#[allow(missing_debug_implementations)] // The libp2p behaviours inside have no Debug.
pub struct Behaviour {
    /// Refuses connections past [`connection_limits`]'s bounds, before any stream is read.
    pub limits: connection_limits::Behaviour,
    /// Tells peers our listen addresses and protocols.
    pub identify: identify::Behaviour,
    /// Keeps connections alive and measures round trips.
    pub ping: ping::Behaviour,
    /// The sync protocol.
    pub sync: request_response::Behaviour<SyncCodec>,
}

impl Behaviour {
    /// The behaviour for a node with `key`.
    pub fn new(key: &libp2p::identity::Keypair) -> Self {
        let sync = request_response::Behaviour::with_codec(
            SyncCodec::default(),
            [(SYNC_PROTOCOL, request_response::ProtocolSupport::Full)],
            request_response::Config::default()
                .with_request_timeout(Duration::from_secs(60))
                .with_max_concurrent_streams(MAX_STREAMS_PER_CONNECTION),
        );
        let limits = connection_limits::ConnectionLimits::default()
            .with_max_pending_incoming(Some(MAX_PENDING_INCOMING))
            .with_max_established(Some(MAX_CONNECTIONS))
            .with_max_established_per_peer(Some(MAX_CONNECTIONS_PER_PEER));
        Self {
            limits: connection_limits::Behaviour::new(limits),
            identify: identify::Behaviour::new(
                identify::Config::new("/liaison/1".to_owned(), key.public())
                    .with_agent_version(AGENT_VERSION.to_owned()),
            ),
            ping: ping::Behaviour::default(),
            sync,
        }
    }
}

/// Most connections a node holds at once, all peers together.
pub const MAX_CONNECTIONS: u32 = 256;
/// Most connections with one peer (two when both sides dial at once).
pub const MAX_CONNECTIONS_PER_PEER: u32 = 2;
/// Most incoming connections still in their handshake.
pub const MAX_PENDING_INCOMING: u32 = 32;
/// Most sync streams read or answered at once on one connection; the yamux streams of a
/// connection are capped at four times this, each buffering at most yamux's 256 KiB window.
pub const MAX_STREAMS_PER_CONNECTION: usize = 16;
/// Most message bytes the node reads at once from all its peers together. A stream holds a
/// share of it, taken a [`BUDGET_UNIT`] at a time as its bytes arrive, until the message is
/// decoded; a stream that cannot get one waits (and times out with its request).
pub const READ_BUDGET_BYTES: usize = 64 * 1024 * 1024;
/// The grain in which streams take [`READ_BUDGET_BYTES`].
pub const BUDGET_UNIT: usize = 256 * 1024;
/// The yamux configuration: at most `4 * MAX_STREAMS_PER_CONNECTION` streams per connection.
pub fn yamux() -> libp2p::yamux::Config {
    let mut config = libp2p::yamux::Config::default();
    config.set_max_num_streams(4 * MAX_STREAMS_PER_CONNECTION);
    config
}

/// Largest message that carries no documents (`Offer`, `Fetch`, `Refused`).
pub const MAX_SMALL_MESSAGE_BYTES: usize = 1024 * 1024;

/// The largest message of a kind, from the first bytes of its CBOR: the variant name of the
/// externally tagged enum. Only `Push` requests and `Items` answers carry documents, and only
/// `Reconcile` lists many entries; any other message is small.
fn message_limit(prefix: &[u8]) -> usize {
    // A one-entry map (0xa1), then a text string of fewer than 24 bytes (0x60 + length).
    let name = match prefix {
        [0xa1, head, rest @ ..] if (0x60..0x78).contains(head) => {
            rest.get(..usize::from(head - 0x60)).unwrap_or_default()
        }
        _ => &[],
    };
    match name {
        b"push" | b"items" | b"reconcile" => MAX_MESSAGE_BYTES,
        _ => MAX_SMALL_MESSAGE_BYTES,
    }
}

/// CBOR over one stream per request, each message at most [`MAX_MESSAGE_BYTES`] (less for
/// kinds that carry no documents), all streams together within [`READ_BUDGET_BYTES`].
#[derive(Debug, Clone)]
pub struct SyncCodec {
    /// What is left of [`READ_BUDGET_BYTES`], in [`BUDGET_UNIT`]s; shared by every connection.
    budget: Arc<Semaphore>,
}

impl Default for SyncCodec {
    fn default() -> Self {
        Self { budget: Arc::new(Semaphore::new(READ_BUDGET_BYTES / BUDGET_UNIT)) }
    }
}

/// A message as read off the wire: decoded, or why it could not be.
///
/// libp2p drops requests whose decoding fails without telling anyone, so the codec hands
/// malformed and oversized messages up as [`Frame::Malformed`]: the node can then refuse, log
/// and count them against the peer.
#[derive(Debug, Clone)]
pub enum Frame<T> {
    /// A well-formed message.
    Message(T),
    /// Bytes that are not a message, or too many of them; the reason.
    Malformed(String),
}

/// Reads one message of at most its kind's limit, holding a share of `budget` for its bytes
/// until it is decoded.
async fn read_frame<T, M>(io: &mut T, budget: &Arc<Semaphore>) -> io::Result<Frame<M>>
where
    T: AsyncRead + Unpin + Send,
    M: serde::de::DeserializeOwned,
{
    let mut held: Vec<OwnedSemaphorePermit> = Vec::new();
    let mut bytes: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    let mut limit = MAX_SMALL_MESSAGE_BYTES;
    loop {
        held.push(Arc::clone(budget).acquire_owned().await.map_err(invalid)?);
        // The buffer never holds more than the budget taken (one byte past the limit at most).
        let target = (held.len() * BUDGET_UNIT).min(limit + 1);
        bytes.reserve_exact(target - bytes.len());
        let mut ended = false;
        while bytes.len() < target {
            let want = (target - bytes.len()).min(chunk.len());
            let n = io.read(&mut chunk[..want]).await?;
            if n == 0 {
                ended = true;
                break;
            }
            bytes.extend_from_slice(&chunk[..n]);
        }
        if held.len() == 1 {
            limit = message_limit(&bytes);
        }
        if bytes.len() > limit {
            return Ok(Frame::Malformed(format!("message over the {limit}-byte limit")));
        }
        if ended {
            break;
        }
    }
    if bytes.is_empty() {
        // No message at all: the peer reset or abandoned the stream (yamux reads a reset as the
        // end), as it does with requests it gave up on while the link was down. Nothing was
        // sent that could be refused.
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "stream ended before a message"));
    }
    Ok(match codec::decode(&bytes, limit) {
        Ok(message) => Frame::Message(message),
        Err(e) => Frame::Malformed(e.to_string()),
    })
}

fn invalid(e: impl ToString) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e.to_string())
}

async fn write_frame<T, M>(io: &mut T, frame: Frame<M>) -> io::Result<()>
where
    T: AsyncWrite + Unpin + Send,
    M: serde::Serialize,
{
    match frame {
        Frame::Message(message) => write_limited(io, &codec::encode(&message)).await,
        Frame::Malformed(_) => {
            Err(io::Error::new(io::ErrorKind::InvalidInput, "a malformed frame is never sent"))
        }
    }
}

impl request_response::Codec for SyncCodec {
    type Protocol = StreamProtocol;
    type Request = Frame<SyncRequest>;
    type Response = Frame<SyncResponse>;

    async fn read_request<T: AsyncRead + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
    ) -> io::Result<Self::Request> {
        read_frame(io, &self.budget).await
    }

    async fn read_response<T: AsyncRead + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
    ) -> io::Result<Self::Response> {
        read_frame(io, &self.budget).await
    }

    async fn write_request<T: AsyncWrite + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        req: Self::Request,
    ) -> io::Result<()> {
        write_frame(io, req).await
    }

    async fn write_response<T: AsyncWrite + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        res: Self::Response,
    ) -> io::Result<()> {
        write_frame(io, res).await
    }
}

async fn write_limited<T: AsyncWrite + Unpin + Send>(io: &mut T, bytes: &[u8]) -> io::Result<()> {
    if bytes.len() > MAX_MESSAGE_BYTES {
        return Err(invalid("message over the size limit"));
    }
    io.write_all(bytes).await?;
    io.close().await
}

/// The length of `message` as [`SyncCodec`] writes it, counted without writing it anywhere.
pub fn wire_len<T: serde::Serialize>(message: &T) -> u64 {
    struct Count(u64);
    impl io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0 += buf.len() as u64;
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    // Counting cannot fail, and every message type is serializable.
    let _ = ciborium::into_writer(message, &mut count);
    count.0
}

/// The libp2p peer id of a Liaison node key.
pub fn peer_id(key: &PublicKey) -> Option<PeerId> {
    let key = libp2p::identity::ed25519::PublicKey::try_from_bytes(&key.0).ok()?;
    Some(libp2p::identity::PublicKey::from(key).to_peer_id())
}

/// The node's libp2p identity from its signing key: one key for both.
pub fn keypair(key: &ed25519_dalek::SigningKey) -> libp2p::identity::Keypair {
    let mut seed = key.to_bytes();
    match libp2p::identity::Keypair::ed25519_from_bytes(&mut seed) {
        Ok(k) => k,
        Err(e) => unreachable!("any 32 bytes are an ed25519 seed: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use liaison_protocol::sync::{Reconcile, SyncRequest, SyncResponse};
    use liaison_protocol::{ItemId, codec};

    use super::{MAX_MESSAGE_BYTES, MAX_SMALL_MESSAGE_BYTES, message_limit};

    /// The limit is read off the encoded variant name, so it must follow serde's spelling of it.
    #[test]
    fn only_messages_that_carry_documents_or_catalogues_may_be_large() {
        let reconcile = Reconcile { ranges: Vec::new() };
        let large = [
            codec::encode(&SyncRequest::Push(Vec::new())),
            codec::encode(&SyncRequest::Reconcile(reconcile.clone())),
            codec::encode(&SyncResponse::Items(Vec::new())),
            codec::encode(&SyncResponse::Reconcile(reconcile)),
        ];
        for bytes in large {
            assert_eq!(message_limit(&bytes), MAX_MESSAGE_BYTES, "{bytes:02x?}");
        }
        let small = [
            codec::encode(&SyncRequest::Fetch(vec![ItemId::from_bytes([1; 16])])),
            codec::encode(&SyncRequest::Offer(Vec::new())),
            codec::encode(&SyncRequest::Statements(Vec::new())),
            codec::encode(&SyncRequest::Clock),
            codec::encode(&SyncResponse::Clock(chrono::Utc::now())),
            codec::encode(&SyncResponse::Refused("no".to_owned())),
            codec::encode(&SyncResponse::Ack { accepted: 0, refused: Vec::new() }),
        ];
        for bytes in small {
            assert_eq!(message_limit(&bytes), MAX_SMALL_MESSAGE_BYTES, "{bytes:02x?}");
        }
    }

    /// A stream that ends before its first byte was reset or abandoned by the peer (a request it
    /// gave up on during a partition), not a malformed message to count against it.
    #[tokio::test]
    async fn an_empty_stream_is_not_a_malformed_message() {
        let budget = std::sync::Arc::new(tokio::sync::Semaphore::new(4));
        let mut empty = futures::io::Cursor::new(Vec::new());
        let read = super::read_frame::<_, SyncRequest>(&mut empty, &budget).await;
        assert_eq!(read.map(|_| ()).map_err(|e| e.kind()), Err(std::io::ErrorKind::UnexpectedEof));
        let mut cut = futures::io::Cursor::new(vec![0xa1]);
        let read = super::read_frame::<_, SyncRequest>(&mut cut, &budget).await;
        assert!(matches!(read, Ok(super::Frame::Malformed(_))), "{read:?}");
    }

    #[test]
    fn wire_len_is_the_encoded_length() {
        let request = SyncRequest::Reconcile(Reconcile { ranges: Vec::new() });
        let len = liaison_protocol::codec::encode(&request).len() as u64;
        assert_eq!(super::wire_len(&request), len);
    }
}
