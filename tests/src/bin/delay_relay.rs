//! A TCP relay that delays, for the multi-host federation test (`deploy/netns/run`), where
//! `tc netem` is not available: it runs in the router's network namespace and takes the
//! connections between far hosts, which the router delivers to it whatever their destination
//! (a `local` route in a policy routing table; the socket is `IP_TRANSPARENT`, so it may accept
//! them). It connects on to the original destination and holds every chunk, each way, for
//! half the pair's round trip before passing it on, in order.
//!
//! Usage: `liaison-delay-relay LISTEN NET,NET,RTT_MS...`, for instance
//! `liaison-delay-relay 0.0.0.0:4747 10.60.1.0/24,10.60.2.0/24,120`. A pair of networks not
//! listed is relayed without delay. Logs each connection on stderr.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::Instant;

/// Chunks in flight one way on one connection; a full queue holds the reader back, as a full
/// pipe would.
const IN_FLIGHT: usize = 256;
/// Largest chunk read at once.
const CHUNK: usize = 64 * 1024;

/// An IPv4 network, `ADDR/PREFIX`.
#[derive(Debug, Clone, Copy)]
struct Net {
    addr: u32,
    mask: u32,
}

impl Net {
    fn parse(text: &str) -> Option<Net> {
        let (addr, prefix) = text.split_once('/')?;
        let addr: Ipv4Addr = addr.parse().ok()?;
        let prefix: u32 = prefix.parse().ok().filter(|p| *p <= 32)?;
        let mask = u32::MAX.checked_shl(32 - prefix).unwrap_or(0);
        Some(Net { addr: u32::from(addr) & mask, mask })
    }

    fn contains(&self, ip: Ipv4Addr) -> bool {
        u32::from(ip) & self.mask == self.addr
    }
}

/// Two networks and the round trip between them.
#[derive(Debug, Clone, Copy)]
struct Pair {
    a: Net,
    b: Net,
    rtt: Duration,
}

impl Pair {
    fn parse(text: &str) -> Option<Pair> {
        let mut parts = text.split(',');
        let (a, b, rtt) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let rtt = Duration::from_millis(rtt.parse().ok()?);
        Some(Pair { a: Net::parse(a)?, b: Net::parse(b)?, rtt })
    }
}

/// Half the round trip between `from` and `to`, or zero when no pair lists them.
fn one_way(pairs: &[Pair], from: SocketAddr, to: SocketAddr) -> Duration {
    let (SocketAddr::V4(from), SocketAddr::V4(to)) = (from, to) else { return Duration::ZERO };
    let (from, to) = (*from.ip(), *to.ip());
    pairs
        .iter()
        .find(|p| {
            (p.a.contains(from) && p.b.contains(to)) || (p.b.contains(from) && p.a.contains(to))
        })
        .map_or(Duration::ZERO, |p| p.rtt / 2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((listen, pairs)) = args.split_first() else {
        eprintln!("usage: liaison-delay-relay LISTEN NET,NET,RTT_MS...");
        return ExitCode::from(2);
    };
    let Ok(listen) = listen.parse::<SocketAddr>() else {
        eprintln!("error: listen address {listen}: expected ADDR:PORT");
        return ExitCode::from(2);
    };
    let mut parsed = Vec::new();
    for pair in pairs {
        match Pair::parse(pair) {
            Some(p) => parsed.push(p),
            None => {
                eprintln!("error: pair {pair}: expected NET/PREFIX,NET/PREFIX,RTT_MS");
                return ExitCode::from(2);
            }
        }
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(serve(listen, parsed)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

/// A listener that may accept connections to addresses that are not the machine's own.
fn transparent_listener(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    socket.set_ip_transparent_v4(true)?;
    socket.bind(&addr.into())?;
    socket.listen(1024)?;
    socket.set_nonblocking(true)?;
    TcpListener::from_std(socket.into())
}

async fn serve(listen: SocketAddr, pairs: Vec<Pair>) -> std::io::Result<()> {
    let listener = transparent_listener(listen)?;
    eprintln!("relay listening on {listen}");
    loop {
        let (client, from) = listener.accept().await?;
        let to = client.local_addr()?;
        let delay = one_way(&pairs, from, to);
        tokio::spawn(async move {
            match relay(client, to, delay).await {
                Ok(()) => eprintln!("{from} -> {to} ({delay:?} each way): closed"),
                Err(e) => eprintln!("{from} -> {to} ({delay:?} each way): {e}"),
            }
        });
    }
}

/// Connects on to `to` and passes bytes both ways, each chunk `delay` late.
async fn relay(client: TcpStream, to: SocketAddr, delay: Duration) -> std::io::Result<()> {
    let server = TcpStream::connect(to).await?;
    client.set_nodelay(true)?;
    server.set_nodelay(true)?;
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    let up = tokio::spawn(delayed(client_read, server_write, delay));
    let down = delayed(server_read, client_write, delay).await;
    let up = up.await.map_err(std::io::Error::other)?;
    up.and(down)
}

/// Copies `from` to `to`, writing each chunk `delay` after it was read; ends `to` when `from`
/// ends.
async fn delayed(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    delay: Duration,
) -> std::io::Result<()> {
    let (chunks, mut due) = mpsc::channel::<(Instant, Vec<u8>)>(IN_FLIGHT);
    let reader = async move {
        let mut buf = vec![0u8; CHUNK];
        loop {
            let n = from.read(&mut buf).await?;
            // An empty chunk carries the end of the stream, as late as the bytes before it.
            if chunks.send((Instant::now() + delay, buf[..n].to_vec())).await.is_err() || n == 0 {
                return Ok::<(), std::io::Error>(());
            }
        }
    };
    let writer = async move {
        while let Some((at, bytes)) = due.recv().await {
            tokio::time::sleep_until(at).await;
            if bytes.is_empty() {
                break;
            }
            to.write_all(&bytes).await?;
        }
        to.shutdown().await
    };
    let (read, written) = tokio::join!(reader, writer);
    read.and(written)
}
