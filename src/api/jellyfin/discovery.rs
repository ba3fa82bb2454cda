//! UDP discovery: Jellyfin apps broadcast `who is JellyfinServer?` and list whoever answers
//! with `{Address, Id, Name}` (python apiclient, Findroid, Kodi).

use std::net::{IpAddr, SocketAddr, UdpSocket as StdUdpSocket};

use tokio::net::UdpSocket;

/// What the server says about itself.
#[derive(Clone, Debug)]
pub struct Identity {
    pub server_id: String,
    pub name: String,
    pub http_port: u16,
}

/// The local address a reply to `peer` leaves from (no packet is sent to find it out).
fn local_ip_towards(peer: SocketAddr) -> Option<IpAddr> {
    let bind = if peer.is_ipv4() {
        "0.0.0.0:0"
    } else {
        "[::]:0"
    };
    let probe = StdUdpSocket::bind(bind).ok()?;
    probe.connect(peer).ok()?;
    probe.local_addr().ok().map(|a| a.ip())
}

pub fn is_discovery_request(datagram: &[u8]) -> bool {
    String::from_utf8_lossy(datagram)
        .to_ascii_lowercase()
        .contains("who is jellyfinserver?")
}

pub fn reply(identity: &Identity, local_ip: IpAddr) -> String {
    let host = match local_ip {
        IpAddr::V6(v6) => format!("[{v6}]"),
        v4 => v4.to_string(),
    };
    serde_json::json!({
        "Address": format!("http://{host}:{}", identity.http_port),
        "Id": identity.server_id,
        "Name": identity.name,
    })
    .to_string()
}

/// Serves discovery until the task is dropped.
pub async fn serve(socket: UdpSocket, identity: Identity) {
    let mut buf = [0u8; 1024];
    loop {
        let (n, peer) = match socket.recv_from(&mut buf).await {
            Ok(r) => r,
            Err(e) => {
                tracing::debug!(error = %e, "discovery receive failed");
                continue;
            }
        };
        if !is_discovery_request(&buf[..n]) {
            continue;
        }
        let ip = local_ip_towards(peer).unwrap_or(IpAddr::from([127, 0, 0, 1]));
        if let Err(e) = socket.send_to(reply(&identity, ip).as_bytes(), peer).await {
            tracing::debug!(error = %e, "discovery reply failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_requests_and_answers_with_identity() {
        assert!(is_discovery_request(b"who is JellyfinServer?"));
        assert!(is_discovery_request(b"WHO IS JELLYFINSERVER?"));
        assert!(!is_discovery_request(b"who is EmbyServer?"));
        let r = reply(
            &Identity {
                server_id: "abc".into(),
                name: "Kinora".into(),
                http_port: 8096,
            },
            IpAddr::from([192, 168, 1, 5]),
        );
        let v: serde_json::Value = serde_json::from_str(&r).unwrap_or_default();
        assert_eq!(v["Address"], "http://192.168.1.5:8096");
        assert_eq!(v["Id"], "abc");
        assert_eq!(v["Name"], "Kinora");
    }
}
