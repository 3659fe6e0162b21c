//! `wasi:sockets`: TCP and UDP sockets, name lookup, and the network policy that decides what
//! a guest may reach.
//!
//! One module per WIT interface (`network` holds `instance-network` too, `tcp` and `udp`
//! their `*-create-socket`), beside what they share: the address types ([`addr`]), socket
//! options ([`options`]) and the policy ([`policy`]). P1's `sock_*` work on the same
//! [`tcp::TcpSocket`].

pub mod addr;
pub mod lookup;
pub mod network;
pub mod options;
pub mod policy;
pub mod tcp;
pub mod udp;
