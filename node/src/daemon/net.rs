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

async fn read_limited<T: AsyncRead + Unpin + Send>(io: &mut T) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    io.take(MAX_MESSAGE_BYTES as u64 + 1).read_to_end(&mut bytes).await?;
    if bytes.len() > MAX_MESSAGE_BYTES {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "message over the size limit"));
    }
    Ok(bytes)
}

fn invalid(e: impl ToString) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e.to_string())
}

impl request_response::Codec for SyncCodec {
    type Protocol = StreamProtocol;
    type Request = SyncRequest;
    type Response = SyncResponse;

    async fn read_request<T: AsyncRead + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
    ) -> io::Result<SyncRequest> {
        codec::decode(&read_limited(io).await?, MAX_MESSAGE_BYTES).map_err(invalid)
    }

    async fn read_response<T: AsyncRead + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
    ) -> io::Result<SyncResponse> {
        codec::decode(&read_limited(io).await?, MAX_MESSAGE_BYTES).map_err(invalid)
    }

    async fn write_request<T: AsyncWrite + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        req: SyncRequest,
    ) -> io::Result<()> {
        write_limited(io, &codec::encode(&req)).await
    }

    async fn write_response<T: AsyncWrite + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        res: SyncResponse,
    ) -> io::Result<()> {
        write_limited(io, &codec::encode(&res)).await
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
