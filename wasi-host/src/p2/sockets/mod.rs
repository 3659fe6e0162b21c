//! `wasi:sockets`: TCP and UDP sockets, name lookup, and the network policy that decides what
//! a guest may reach.
//!
//! One module per WIT interface (`network` holds `instance-network` too, `tcp` and `udp`
//! their `*-create-socket`), beside what they share: the address types ([`addr`]), socket
//! options ([`options`]) and the policy ([`policy`]). [`preopen`] holds the listening
//! sockets an executable is built to open for P1's `sock_accept`.

pub mod addr;
pub mod lookup;
pub mod network;
pub mod options;
pub mod policy;
pub mod preopen;
pub mod tcp;
pub mod udp;

pub use preopen::{ShutdownType, TcpListener, TcpStream};
