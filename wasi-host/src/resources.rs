//! Resources of WASI 0.2: the host objects behind resource handles, and the canonical ABI's
//! per-component-instance handle tables.
//!
//! A guest names a resource by a handle: an index into its component instance's
//! [`HandleTable`]. An entry records the resource type and the representation (`rep`): for a
//! host resource an index into [`HostObjects`], for a resource a component defines the `i32`
//! that component chose. Entries are owned handles or borrowed ones; an owned handle that is
//! lent out (a borrow of it is live) cannot be dropped. Every misuse the canonical ABI names
//! (an unknown index, a handle of another type, dropping a lent handle) is a trap.

use crate::error::HostTrap;
use crate::p2::streams::{InputStream, OutputStream};

/// What type a handle's resource has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResourceType {
    /// A host resource: an index into `wasi_aot_abi::wasi_p2::WASI_P2_RESOURCES`.
    Host(u32),
    /// A resource a component defines: its index in the program's resource list.
    Guest(u32),
}

/// A host resource type, as `WASI_P2_RESOURCES` numbers them.
macro_rules! host_kinds {
    ($($variant:ident = $iface:literal $name:literal;)*) => {
        /// Every host resource type.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(u32)]
        pub enum HostKind {
            $(
                #[doc = concat!("`", $iface, "` `", $name, "`.")]
                $variant,
            )*
        }

        impl HostKind {
            /// Every kind, in `WASI_P2_RESOURCES` order.
            pub const ALL: &[HostKind] = &[$(HostKind::$variant),*];
        }
    };
}
wasi_aot_abi::for_each_wasi_p2_resource!(host_kinds);

impl HostKind {
    /// The handle type of this kind.
    pub fn ty(self) -> ResourceType {
        ResourceType::Host(self as u32)
    }
}

/// One slot of a handle table.
#[derive(Debug)]
enum Slot {
    Free {
        next: u32,
    },
    Own {
        ty: ResourceType,
        rep: u32,
        /// Live borrows of it, in calls it is lent to.
        lends: u32,
    },
    Borrow {
        ty: ResourceType,
        rep: u32,
        /// The call the borrow was passed into, which must drop it before it returns.
        scope: u32,
    },
}

/// What dropping a handle released.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dropped {
    /// The resource's representation.
    pub rep: u32,
    /// Whether the handle owned the resource (then the resource itself goes: its destructor
    /// runs); a borrow only ends.
    pub owned: bool,
    /// For a borrow, the call it belonged to.
    pub scope: u32,
}

/// A component instance's handles. Index 0 is never a handle.
#[derive(Debug)]
pub struct HandleTable {
    slots: Vec<Slot>,
    /// The first free slot, or 0 when none is.
    free: u32,
}

impl Default for HandleTable {
    fn default() -> Self {
        HandleTable {
            slots: vec![Slot::Free { next: 0 }],
            free: 0,
        }
    }
}

/// Handles are indices below this (the canonical ABI's limit, 2^28).
const MAX_HANDLES: usize = 1 << 28;

fn describe(ty: ResourceType) -> &'static str {
    match ty {
        ResourceType::Host(_) => "host-defined resource",
        ResourceType::Guest(_) => "guest-defined resource",
    }
}

impl HandleTable {
    fn insert(&mut self, slot: Slot) -> Result<u32, HostTrap> {
        if self.free != 0 {
            let index = self.free;
            let Slot::Free { next } = self.slots[index as usize] else {
                unreachable!("the free list holds free slots")
            };
            self.free = next;
            self.slots[index as usize] = slot;
            return Ok(index);
        }
        if self.slots.len() >= MAX_HANDLES {
            return Err(HostTrap::canon("too many resource handles"));
        }
        self.slots.push(slot);
        Ok((self.slots.len() - 1) as u32)
    }

    /// A new owned handle of a resource of type `ty` with representation `rep`.
    pub fn new_own(&mut self, ty: ResourceType, rep: u32) -> Result<u32, HostTrap> {
        self.insert(Slot::Own { ty, rep, lends: 0 })
    }

    /// A new borrowed handle, passed into call `scope` of this instance.
    pub fn new_borrow(&mut self, ty: ResourceType, rep: u32, scope: u32) -> Result<u32, HostTrap> {
        self.insert(Slot::Borrow { ty, rep, scope })
    }

    /// The representation of `handle`, which must be a handle of type `ty`, owned or
    /// borrowed.
    #[inline]
    pub fn rep(&self, handle: u32, ty: ResourceType) -> Result<u32, HostTrap> {
        match self.slots.get(handle as usize) {
            Some(Slot::Own { ty: t, rep, .. }) | Some(Slot::Borrow { ty: t, rep, .. })
                if *t == ty =>
            {
                Ok(*rep)
            }
            _ => Err(self.handle_error(handle, ty)),
        }
    }

    /// Why `handle` is not a handle of type `ty`.
    #[cold]
    fn handle_error(&self, handle: u32, ty: ResourceType) -> HostTrap {
        match self.slots.get(handle as usize) {
            Some(Slot::Own { ty: t, .. }) | Some(Slot::Borrow { ty: t, .. }) => {
                HostTrap::canon(format!(
                    "handle index {handle} used with the wrong type, expected {} but found {}",
                    describe(ty),
                    if describe(*t) == describe(ty) {
                        format!("a different {}", describe(*t))
                    } else {
                        describe(*t).to_string()
                    }
                ))
            }
            _ => HostTrap::canon(format!("unknown handle index {handle}")),
        }
    }

    /// Whether `handle` is an owned handle (else a borrowed one; it must exist).
    pub fn is_own(&self, handle: u32) -> bool {
        matches!(self.slots.get(handle as usize), Some(Slot::Own { .. }))
    }

    /// Lends the resource of `handle` to a call: an owned handle cannot be dropped until
    /// [`HandleTable::unlend`]. Returns the representation.
    pub fn lend(&mut self, handle: u32, ty: ResourceType) -> Result<u32, HostTrap> {
        let rep = self.rep(handle, ty)?;
        if let Some(Slot::Own { lends, .. }) = self.slots.get_mut(handle as usize) {
            *lends += 1;
        }
        Ok(rep)
    }

    /// Ends a [`HandleTable::lend`].
    pub fn unlend(&mut self, handle: u32) {
        if let Some(Slot::Own { lends, .. }) = self.slots.get_mut(handle as usize) {
            *lends = lends.saturating_sub(1);
        }
    }

    /// How many borrowed handles of call `scope` are still live.
    pub fn borrows_in(&self, scope: u32) -> usize {
        self.slots
            .iter()
            .filter(|s| matches!(s, Slot::Borrow { scope: s, .. } if *s == scope))
            .count()
    }

    /// Removes `handle`, of type `ty`: `resource.drop`, or an owned handle passed away.
    pub fn remove(&mut self, handle: u32, ty: ResourceType) -> Result<Dropped, HostTrap> {
        self.rep(handle, ty)?;
        let dropped = match self.slots[handle as usize] {
            Slot::Own { lends, .. } if lends > 0 => {
                return Err(HostTrap::canon(
                    "cannot remove owned resource while borrowed",
                ))
            }
            Slot::Own { rep, .. } => Dropped {
                rep,
                owned: true,
                scope: 0,
            },
            Slot::Borrow { rep, scope, .. } => Dropped {
                rep,
                owned: false,
                scope,
            },
            Slot::Free { .. } => unreachable!("rep() found a handle"),
        };
        self.slots[handle as usize] = Slot::Free { next: self.free };
        self.free = handle;
        Ok(dropped)
    }

    /// Removes an owned handle of type `ty` (ownership moves to the callee); a borrowed
    /// handle cannot be given away.
    pub fn take_own(&mut self, handle: u32, ty: ResourceType) -> Result<u32, HostTrap> {
        self.rep(handle, ty)?;
        if let Slot::Borrow { .. } = self.slots[handle as usize] {
            return Err(HostTrap::canon(
                "a borrowed resource handle was passed where an owned one is expected",
            ));
        }
        Ok(self.remove(handle, ty)?.rep)
    }
}

/// A host object a resource handle refers to.
#[derive(Debug)]
pub enum HostObject {
    /// `wasi:io/streams` `output-stream`.
    OutputStream(OutputStream),
    /// `wasi:io/streams` `input-stream`.
    InputStream(InputStream),
    /// `wasi:io/error` `error`.
    IoError(crate::p2::streams::IoError),
    /// `wasi:io/poll` `pollable`.
    Pollable(crate::p2::poll::Pollable),
    /// `wasi:filesystem/types` `descriptor`.
    Descriptor(crate::p2::filesystem::types::DescriptorObject),
    /// `wasi:filesystem/types` `directory-entry-stream`.
    DirectoryEntryStream(std::collections::VecDeque<crate::p2::filesystem::DirectoryEntry>),
    /// `wasi:cli/terminal-input` `terminal-input`.
    TerminalInput,
    /// `wasi:cli/terminal-output` `terminal-output`.
    TerminalOutput,
    /// `wasi:sockets/network` `network`.
    Network,
    /// `wasi:sockets/ip-name-lookup` `resolve-address-stream`.
    ResolveAddressStream(crate::p2::sockets::lookup::ResolveAddressStream),
    /// `wasi:sockets/tcp` `tcp-socket`.
    TcpSocket(crate::p2::sockets::tcp::TcpSocket),
    /// `wasi:sockets/udp` `udp-socket`.
    UdpSocket(crate::p2::sockets::udp::UdpSocket),
    /// `wasi:sockets/udp` `incoming-datagram-stream`.
    IncomingDatagramStream(crate::p2::sockets::udp::IncomingDatagramStream),
    /// `wasi:sockets/udp` `outgoing-datagram-stream`.
    OutgoingDatagramStream(crate::p2::sockets::udp::OutgoingDatagramStream),
    /// `wasi:http/types` `fields`.
    Fields(crate::p2::http::fields::Fields),
    /// `wasi:http/types` `incoming-request`.
    IncomingRequest(crate::p2::http::request::IncomingRequest),
    /// `wasi:http/types` `outgoing-request`.
    OutgoingRequest(crate::p2::http::request::OutgoingRequest),
    /// `wasi:http/types` `request-options`.
    RequestOptions(crate::p2::http::request::RequestOptions),
    /// `wasi:http/types` `response-outparam`.
    ResponseOutparam(crate::p2::http::response::ResponseOutparam),
    /// `wasi:http/types` `incoming-response`.
    IncomingResponse(crate::p2::http::response::IncomingResponse),
    /// `wasi:http/types` `incoming-body`.
    IncomingBody(crate::p2::http::body::IncomingBody),
    /// `wasi:http/types` `future-trailers`.
    FutureTrailers(crate::p2::http::body::FutureTrailers),
    /// `wasi:http/types` `outgoing-response`.
    OutgoingResponse(crate::p2::http::response::OutgoingResponse),
    /// `wasi:http/types` `outgoing-body`.
    OutgoingBody(crate::p2::http::body::OutgoingBody),
    /// `wasi:http/types` `future-incoming-response`.
    FutureIncomingResponse(crate::p2::http::response::FutureIncomingResponse),
}

impl HostObject {
    /// The resource type of the object.
    pub fn kind(&self) -> HostKind {
        match self {
            HostObject::OutputStream(_) => HostKind::OutputStream,
            HostObject::InputStream(_) => HostKind::InputStream,
            HostObject::IoError(_) => HostKind::IoError,
            HostObject::Pollable(_) => HostKind::Pollable,
            HostObject::Descriptor(_) => HostKind::Descriptor,
            HostObject::DirectoryEntryStream(_) => HostKind::DirectoryEntryStream,
            HostObject::TerminalInput => HostKind::TerminalInput,
            HostObject::TerminalOutput => HostKind::TerminalOutput,
            HostObject::Network => HostKind::Network,
            HostObject::ResolveAddressStream(_) => HostKind::ResolveAddressStream,
            HostObject::TcpSocket(_) => HostKind::TcpSocket,
            HostObject::UdpSocket(_) => HostKind::UdpSocket,
            HostObject::IncomingDatagramStream(_) => HostKind::IncomingDatagramStream,
            HostObject::OutgoingDatagramStream(_) => HostKind::OutgoingDatagramStream,
            HostObject::Fields(_) => HostKind::Fields,
            HostObject::IncomingRequest(_) => HostKind::IncomingRequest,
            HostObject::OutgoingRequest(_) => HostKind::OutgoingRequest,
            HostObject::RequestOptions(_) => HostKind::RequestOptions,
            HostObject::ResponseOutparam(_) => HostKind::ResponseOutparam,
            HostObject::IncomingResponse(_) => HostKind::IncomingResponse,
            HostObject::IncomingBody(_) => HostKind::IncomingBody,
            HostObject::FutureTrailers(_) => HostKind::FutureTrailers,
            HostObject::OutgoingResponse(_) => HostKind::OutgoingResponse,
            HostObject::OutgoingBody(_) => HostKind::OutgoingBody,
            HostObject::FutureIncomingResponse(_) => HostKind::FutureIncomingResponse,
        }
    }
}

/// The host objects of one guest, by representation.
#[derive(Debug, Default)]
pub struct HostObjects {
    slots: Vec<Option<HostObject>>,
    free: Vec<u32>,
}

impl HostObjects {
    /// Stores `object` and returns its representation.
    pub fn insert(&mut self, object: HostObject) -> u32 {
        match self.free.pop() {
            Some(rep) => {
                self.slots[rep as usize] = Some(object);
                rep
            }
            None => {
                self.slots.push(Some(object));
                (self.slots.len() - 1) as u32
            }
        }
    }

    /// The object `rep`.
    #[inline]
    pub fn get_mut(&mut self, rep: u32) -> Option<&mut HostObject> {
        self.slots.get_mut(rep as usize).and_then(Option::as_mut)
    }

    /// Removes (and so drops) the object `rep`.
    pub fn remove(&mut self, rep: u32) -> Option<HostObject> {
        let object = self.slots.get_mut(rep as usize)?.take();
        if object.is_some() {
            self.free.push(rep);
        }
        object
    }
}

/// The resource state of one guest: host objects and each component instance's handles.
#[derive(Debug, Default)]
pub struct Resources {
    /// Host objects.
    pub objects: HostObjects,
    /// Handle tables, by component instance.
    pub tables: Vec<HandleTable>,
}

impl Resources {
    /// The handle table of component instance `instance` (created on first use).
    #[inline]
    pub fn table(&mut self, instance: u32) -> &mut HandleTable {
        let i = instance as usize;
        if self.tables.len() <= i {
            self.grow_tables(i + 1);
        }
        &mut self.tables[i]
    }

    /// Makes room for `count` instances' tables (off the hot path of every host call).
    #[cold]
    #[inline(never)]
    fn grow_tables(&mut self, count: usize) {
        self.tables.resize_with(count, HandleTable::default);
    }

    /// Stores a host object and gives component instance `instance` an owned handle to it.
    pub fn new_own(&mut self, instance: u32, object: HostObject) -> Result<u32, HostTrap> {
        let ty = object.kind().ty();
        let rep = self.objects.insert(object);
        self.table(instance).new_own(ty, rep)
    }

    /// The host object behind `handle` of `instance`, which must be of `kind`.
    #[inline]
    pub fn get(
        &mut self,
        instance: u32,
        handle: u32,
        kind: HostKind,
    ) -> Result<&mut HostObject, HostTrap> {
        let rep = self.table(instance).rep(handle, kind.ty())?;
        self.objects.get_mut(rep).ok_or(HostTrap::canon(
            "a resource handle to a dropped host object",
        ))
    }

    /// `resource.drop` of a host resource handle: an owned handle's object goes.
    pub fn drop_host(
        &mut self,
        instance: u32,
        handle: u32,
        kind: HostKind,
    ) -> Result<(), HostTrap> {
        let dropped = self.table(instance).remove(handle, kind.ty())?;
        if dropped.owned {
            self.objects.remove(dropped.rep);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: ResourceType = ResourceType::Guest(0);
    const B: ResourceType = ResourceType::Guest(1);

    #[test]
    fn handles_start_at_one_and_are_reused() {
        let mut table = HandleTable::default();
        assert_eq!(table.new_own(A, 10), Ok(1));
        assert_eq!(table.new_own(A, 11), Ok(2));
        assert_eq!(table.rep(2, A), Ok(11));
        assert!(table.rep(0, A).is_err());
        assert!(table.rep(3, A).is_err());
        assert!(table.rep(1, B).is_err());
        assert_eq!(
            table.remove(1, A),
            Ok(Dropped {
                rep: 10,
                owned: true,
                scope: 0
            })
        );
        assert!(table.rep(1, A).is_err());
        assert_eq!(table.new_borrow(B, 7, 3), Ok(1));
        assert_eq!(table.borrows_in(3), 1);
        assert!(table.take_own(1, B).is_err());
        assert_eq!(
            table.remove(1, B),
            Ok(Dropped {
                rep: 7,
                owned: false,
                scope: 3
            })
        );
        assert_eq!(table.borrows_in(3), 0);
        assert_eq!(table.lend(2, A), Ok(11));
        assert!(table.remove(2, A).is_err());
        table.unlend(2);
        assert_eq!(table.take_own(2, A), Ok(11));
        assert!(table.remove(2, A).is_err());
        assert_eq!(
            table.rep(9, A),
            Err(HostTrap::canon("unknown handle index 9"))
        );
    }

    #[test]
    fn host_kinds_follow_the_abi_table() {
        let table = wasi_aot_abi::wasi_p2::WASI_P2_RESOURCES;
        assert_eq!(table[HostKind::OutputStream as usize].name, "output-stream");
        assert_eq!(table[HostKind::IoError as usize].interface, "wasi:io/error");
    }
}
