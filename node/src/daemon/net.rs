//! The libp2p side (public so tests can speak the wire protocol to a node): the network behaviour, the sync protocol's CBOR codec with its size limit,
//! and the mapping between Liaison keys and libp2p peer ids.

use std::io;
use std::time::Duration;

use futures::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};
use liaison_protocol::PublicKey;
use liaison_protocol::codec;
use liaison_protocol::sync::{MAX_MESSAGE_BYTES, SyncRequest, SyncResponse};
use libp2p::swarm::NetworkBehaviour;
use libp2p::{PeerId, StreamProtocol, identify, ping, request_response};

/// The sync protocol's name and version.
pub const SYNC_PROTOCOL: StreamProtocol = StreamProtocol::new("/liaison/sync/1");

/// Everything a node speaks to its peers.
#[derive(NetworkBehaviour)]
#[allow(missing_debug_implementations)] // The libp2p behaviours inside have no Debug.
pub struct Behaviour {
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
            SyncCodec,
            [(SYNC_PROTOCOL, request_response::ProtocolSupport::Full)],
            request_response::Config::default()
                .with_request_timeout(Duration::from_secs(60))
                .with_max_concurrent_streams(64),
        );
        Self {
            identify: identify::Behaviour::new(identify::Config::new(
                "/liaison/1".to_owned(),
                key.public(),
            )),
            ping: ping::Behaviour::default(),
            sync,
        }
    }
}

/// CBOR over one stream per request, each message at most [`MAX_MESSAGE_BYTES`].
#[derive(Debug, Clone, Copy, Default)]
pub struct SyncCodec;

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

/// Reads one message of at most [`MAX_MESSAGE_BYTES`].
async fn read_frame<T, M>(io: &mut T) -> io::Result<Frame<M>>
where
    T: AsyncRead + Unpin + Send,
    M: serde::de::DeserializeOwned,
{
    let mut bytes = Vec::new();
    io.take(MAX_MESSAGE_BYTES as u64 + 1).read_to_end(&mut bytes).await?;
    if bytes.len() > MAX_MESSAGE_BYTES {
        return Ok(Frame::Malformed(format!("message over the {MAX_MESSAGE_BYTES}-byte limit")));
    }
    Ok(match codec::decode(&bytes, MAX_MESSAGE_BYTES) {
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
        read_frame(io).await
    }

    async fn read_response<T: AsyncRead + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
    ) -> io::Result<Self::Response> {
        read_frame(io).await
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
    use liaison_protocol::sync::{Reconcile, SyncRequest};

    #[test]
    fn wire_len_is_the_encoded_length() {
        let request = SyncRequest::Reconcile(Reconcile { ranges: Vec::new() });
        let len = liaison_protocol::codec::encode(&request).len() as u64;
        assert_eq!(super::wire_len(&request), len);
    }
}
