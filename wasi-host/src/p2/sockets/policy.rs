//! The network policy an executable was built with: which addresses its sockets may bind to,
//! listen on, connect to and send to, and which names it may resolve. Everything not allowed
//! is denied, and the operation reports `access-denied`.
//!
//! Rules are [`NetRule`]s. A rule naming a host matches the addresses that name resolves to,
//! both as the host resolves it when the rule is first used and as the guest's own lookups of
//! it answered; naming a host in a connect rule also lets the guest look that name up.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};

use wasi_aot_abi::net_policy::{NetRule, RuleHost};

/// What a socket operation uses an address for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetUse {
    /// Binding a TCP socket to a local address.
    TcpBind,
    /// Listening on the address a TCP socket is bound to.
    TcpListen,
    /// Connecting a TCP socket to a remote address.
    TcpConnect,
    /// Binding a UDP socket to a local address.
    UdpBind,
    /// Sending UDP datagrams to a remote address (or fixing it with `stream`).
    UdpSend,
}

/// A network policy.
#[derive(Clone, Debug, Default)]
pub struct NetPolicy {
    allow_all: bool,
    tcp_connect: Vec<NetRule>,
    tcp_listen: Vec<NetRule>,
    udp: Vec<NetRule>,
    lookup_any: bool,
    /// The addresses each named host of a rule resolved to.
    resolved: HashMap<String, Vec<IpAddr>>,
}

impl NetPolicy {
    /// A policy that allows everything (`--allow-net`).
    pub fn allow_all() -> NetPolicy {
        NetPolicy {
            allow_all: true,
            ..NetPolicy::default()
        }
    }

    /// A policy from rules, each `HOST[:PORTS]`; the error names the rule that does not
    /// parse.
    pub fn from_rules(
        tcp_connect: &[String],
        tcp_listen: &[String],
        udp: &[String],
        lookup_any: bool,
    ) -> Result<NetPolicy, String> {
        let parse = |rules: &[String]| {
            rules
                .iter()
                .map(|r| NetRule::parse(r).map_err(|e| format!("bad network rule {e}")))
                .collect::<Result<Vec<_>, _>>()
        };
        Ok(NetPolicy {
            allow_all: false,
            tcp_connect: parse(tcp_connect)?,
            tcp_listen: parse(tcp_listen)?,
            udp: parse(udp)?,
            lookup_any,
            resolved: HashMap::new(),
        })
    }

    /// Whether the policy allows using `addr` for `use_`.
    ///
    /// Binding to port 0 (a port the system picks) is allowed to any socket that may connect
    /// or send somewhere: a client's own end of a connection is not a service it offers.
    pub fn allows(&mut self, use_: NetUse, addr: SocketAddr) -> bool {
        if self.allow_all {
            return true;
        }
        let rules = match use_ {
            NetUse::TcpBind if addr.port() == 0 && !self.tcp_connect.is_empty() => return true,
            NetUse::UdpBind if addr.port() == 0 && !self.udp.is_empty() => return true,
            NetUse::TcpBind | NetUse::TcpListen => std::mem::take(&mut self.tcp_listen),
            NetUse::TcpConnect => std::mem::take(&mut self.tcp_connect),
            NetUse::UdpBind | NetUse::UdpSend => std::mem::take(&mut self.udp),
        };
        let allowed = rules.iter().any(|rule| self.matches(rule, addr));
        match use_ {
            NetUse::TcpBind | NetUse::TcpListen => self.tcp_listen = rules,
            NetUse::TcpConnect => self.tcp_connect = rules,
            NetUse::UdpBind | NetUse::UdpSend => self.udp = rules,
        }
        allowed
    }

    fn matches(&mut self, rule: &NetRule, addr: SocketAddr) -> bool {
        let ip = crate::p2::sockets::addr::unmap(addr.ip());
        match &rule.host {
            RuleHost::Name(name) => {
                rule.ports.contains(&addr.port()) && self.addresses_of(name).contains(&ip)
            }
            _ => rule.matches_ip(ip, addr.port()),
        }
    }

    /// The addresses `name` resolved to, resolving it the first time.
    fn addresses_of(&mut self, name: &str) -> &[IpAddr] {
        self.resolved.entry(name.to_string()).or_insert_with(|| {
            (name, 0)
                .to_socket_addrs()
                .map(|addrs| {
                    addrs
                        .map(|a| crate::p2::sockets::addr::unmap(a.ip()))
                        .collect()
                })
                .unwrap_or_default()
        })
    }

    /// Whether a rule for `use_` names the host `name` with `port` (so every address of it
    /// is allowed), or the policy allows everything.
    pub fn allows_name(&self, use_: NetUse, name: &str, port: u16) -> bool {
        if self.allow_all {
            return true;
        }
        let name = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
        let rules = match use_ {
            NetUse::TcpBind | NetUse::TcpListen => &self.tcp_listen,
            NetUse::TcpConnect => &self.tcp_connect,
            NetUse::UdpBind | NetUse::UdpSend => &self.udp,
        };
        rules
            .iter()
            .any(|r| matches!(&r.host, RuleHost::Name(n) if *n == name) && r.ports.contains(&port))
    }

    /// Whether the guest may resolve `name` (lower case, without a trailing dot).
    pub fn allows_lookup(&self, name: &str) -> bool {
        self.allow_all
            || self.lookup_any
            || self
                .tcp_connect
                .iter()
                .chain(&self.udp)
                .any(|r| matches!(&r.host, RuleHost::Name(n) if n == name))
    }

    /// Records what the guest's lookup of `name` answered, so that rules naming it match
    /// those addresses too.
    pub fn note_resolved(&mut self, name: &str, addrs: &[IpAddr]) {
        let names_rule = self
            .tcp_connect
            .iter()
            .chain(&self.udp)
            .any(|r| matches!(&r.host, RuleHost::Name(n) if n == name));
        if names_rule {
            let known = self.resolved.entry(name.to_string()).or_default();
            for ip in addrs {
                if !known.contains(ip) {
                    known.push(*ip);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn denies_by_default_and_allows_what_rules_say() {
        let mut none = NetPolicy::default();
        assert!(!none.allows(NetUse::TcpConnect, addr("127.0.0.1:80")));
        assert!(!none.allows(NetUse::TcpBind, addr("0.0.0.0:0")));
        assert!(!none.allows_lookup("localhost"));

        let rules = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let mut p = NetPolicy::from_rules(
            &rules(&["127.0.0.0/8:8000-8100", "localhost:9000"]),
            &rules(&["[::1]:7000"]),
            &[],
            false,
        )
        .unwrap();
        assert!(p.allows(NetUse::TcpConnect, addr("127.0.0.1:8080")));
        assert!(!p.allows(NetUse::TcpConnect, addr("127.0.0.1:8200")));
        assert!(p.allows(NetUse::TcpConnect, addr("127.0.0.1:9000")));
        assert!(p.allows(NetUse::TcpBind, addr("0.0.0.0:0")));
        assert!(!p.allows(NetUse::TcpBind, addr("0.0.0.0:7000")));
        assert!(p.allows(NetUse::TcpListen, addr("[::1]:7000")));
        assert!(!p.allows(NetUse::UdpSend, addr("127.0.0.1:8080")));
        assert!(p.allows_lookup("localhost"));
        assert!(!p.allows_lookup("example.com"));
        p.note_resolved("localhost", &["10.9.9.9".parse().unwrap()]);
        assert!(p.allows(NetUse::TcpConnect, addr("10.9.9.9:9000")));
        assert!(NetPolicy::from_rules(&rules(&["1.2.3.4:x"]), &[], &[], false).is_err());
        assert!(NetPolicy::allow_all().allows(NetUse::UdpSend, addr("8.8.8.8:53")));
    }
}
