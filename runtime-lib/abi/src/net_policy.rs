//! The network policy's rule syntax, shared by the compiler (which rejects a rule that does
//! not parse, at build time) and the host (which matches the guest's addresses against the
//! parsed rules at run time).
//!
//! A rule is `HOST[:PORTS]`:
//! - `HOST` is `*` (any address), an IPv4 address or CIDR block (`127.0.0.1`, `10.0.0.0/8`),
//!   an IPv6 address or block in brackets (`[::1]`, `[fd00::/8]`; the brackets may be left
//!   out when no port follows), or a DNS name (`example.com`), which matches the addresses the
//!   name resolves to;
//! - `PORTS` is a port, a range `LOW-HIGH`, or `*`; left out, it is `*`.

use std::net::IpAddr;
use std::ops::RangeInclusive;

/// The addresses a rule matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuleHost {
    /// Every address.
    Any,
    /// The addresses whose first `prefix` bits are those of `addr`.
    Cidr {
        /// The block's address.
        addr: IpAddr,
        /// How many leading bits must match.
        prefix: u8,
    },
    /// The addresses a DNS name resolves to (lower case, without a trailing dot).
    Name(String),
}

/// One parsed rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetRule {
    /// The addresses.
    pub host: RuleHost,
    /// The ports.
    pub ports: RangeInclusive<u16>,
}

impl NetRule {
    /// Parses `HOST[:PORTS]`; the error quotes the rule and says what is wrong with it.
    pub fn parse(rule: &str) -> Result<NetRule, String> {
        NetRule::parse_parts(rule).map_err(|e| format!("`{rule}`: {e}"))
    }

    fn parse_parts(rule: &str) -> Result<NetRule, String> {
        let (host, ports) = split_host_ports(rule)?;
        Ok(NetRule {
            host: parse_host(host)?,
            ports: match ports {
                None => 0..=u16::MAX,
                Some(ports) => parse_ports(ports)?,
            },
        })
    }

    /// Whether the rule matches `addr`, given no name resolution (a name rule matches
    /// nothing here; the host resolves names).
    pub fn matches_ip(&self, ip: IpAddr, port: u16) -> bool {
        self.ports.contains(&port)
            && match &self.host {
                RuleHost::Any => true,
                RuleHost::Cidr { addr, prefix } => in_block(ip, *addr, *prefix),
                RuleHost::Name(_) => false,
            }
    }
}

/// Whether `ip` lies in the block `addr/prefix` (an IPv4 block also matches the IPv4-mapped
/// IPv6 form of its addresses).
pub fn in_block(ip: IpAddr, addr: IpAddr, prefix: u8) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    match (ip, addr) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            leading_bits_equal(u32::from(a).into(), u32::from(b).into(), 32, prefix)
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            leading_bits_equal(u128::from(a), u128::from(b), 128, prefix)
        }
        _ => false,
    }
}

fn leading_bits_equal(a: u128, b: u128, width: u32, prefix: u8) -> bool {
    let prefix = u32::from(prefix).min(width);
    if prefix == 0 {
        return true;
    }
    let shift = width - prefix;
    (a >> shift) == (b >> shift)
}

fn split_host_ports(rule: &str) -> Result<(&str, Option<&str>), String> {
    if rule.is_empty() {
        return Err("an empty rule".into());
    }
    if let Some(rest) = rule.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or("`[` without `]`")?;
        return match after {
            "" => Ok((host, None)),
            _ => match after.strip_prefix(':') {
                Some(ports) => Ok((host, Some(ports))),
                None => Err("expected `:PORTS` after `]`".into()),
            },
        };
    }
    match rule.matches(':').count() {
        0 => Ok((rule, None)),
        1 => {
            let (host, ports) = rule.split_once(':').expect("one colon");
            Ok((host, Some(ports)))
        }
        // An IPv6 address without brackets, and so without a port.
        _ => Ok((rule, None)),
    }
}

fn parse_host(host: &str) -> Result<RuleHost, String> {
    if host == "*" {
        return Ok(RuleHost::Any);
    }
    if let Some((addr, prefix)) = host.split_once('/') {
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| format!("`{addr}` is not an IP address"))?;
        let width = if addr.is_ipv4() { 32 } else { 128 };
        let prefix: u8 = prefix
            .parse()
            .ok()
            .filter(|p| *p <= width)
            .ok_or_else(|| format!("the prefix length must be 0 to {width}"))?;
        return Ok(RuleHost::Cidr { addr, prefix });
    }
    if let Ok(addr) = host.parse::<IpAddr>() {
        let prefix = if addr.is_ipv4() { 32 } else { 128 };
        return Ok(RuleHost::Cidr { addr, prefix });
    }
    let name = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
    if !is_dns_name(&name) {
        return Err(format!(
            "`{host}` is not `*`, an IP address, a CIDR block or a host name"
        ));
    }
    Ok(RuleHost::Name(name))
}

/// Whether `name` is a DNS host name: dot-separated labels of ASCII letters, digits, `-` and
/// `_`, none empty or longer than 63 bytes, 253 bytes at most, not all digits and dots.
pub fn is_dns_name(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        && !name.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

fn parse_ports(ports: &str) -> Result<RangeInclusive<u16>, String> {
    let port = |p: &str| {
        p.parse::<u16>()
            .map_err(|_| format!("`{p}` is not a port (0 to 65535)"))
    };
    if ports == "*" {
        return Ok(0..=u16::MAX);
    }
    match ports.split_once('-') {
        Some((low, high)) => {
            let (low, high) = (port(low)?, port(high)?);
            if low > high {
                return Err(format!("the port range `{ports}` is empty"));
            }
            Ok(low..=high)
        }
        None => {
            let p = port(ports)?;
            Ok(p..=p)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn rules_parse_and_match() {
        let r = NetRule::parse("10.0.0.0/8:80-90").unwrap();
        assert!(r.matches_ip(ip("10.1.2.3"), 85));
        assert!(!r.matches_ip(ip("10.1.2.3"), 91));
        assert!(!r.matches_ip(ip("11.0.0.1"), 85));
        assert!(r.matches_ip(ip("::ffff:10.0.0.1"), 80));

        let r = NetRule::parse("[::1]:8080").unwrap();
        assert!(r.matches_ip(ip("::1"), 8080));
        assert!(!r.matches_ip(ip("::2"), 8080));
        let r = NetRule::parse("fd00::/8").unwrap();
        assert!(r.matches_ip(ip("fdab::1"), 1));
        assert!(NetRule::parse("*:443")
            .unwrap()
            .matches_ip(ip("1.2.3.4"), 443));
        assert_eq!(
            NetRule::parse("Example.COM.:443").unwrap().host,
            RuleHost::Name("example.com".into())
        );
        assert!(NetRule::parse("127.0.0.1")
            .unwrap()
            .matches_ip(ip("127.0.0.1"), 9));
    }

    #[test]
    fn bad_rules_say_why() {
        for bad in [
            "",
            "1.2.3.4:70000",
            "1.2.3.4:9-8",
            "10.0.0.0/33",
            "[::1",
            "[::1]x",
            "a b:80",
            "-x.com",
            "1.2.3.4.5",
        ] {
            assert!(NetRule::parse(bad).is_err(), "{bad}");
        }
    }
}
