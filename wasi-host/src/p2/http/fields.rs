//! `fields` of `wasi:http/types`: headers and trailers.
//!
//! Names are case-insensitive and kept in lower case, with each name's values in the order
//! they were added, names in the order they first appeared. A name must be an HTTP token and
//! a value a valid field value (no CR, LF or NUL), or the operation is `invalid-syntax`; the
//! hop-by-hop and connection-level names wasmtime forbids are `forbidden`. Fields that belong
//! to a request or response are immutable: changing them is `immutable`.

use crate::error::{HostError, HostTrap};
use crate::p2::call::P2Call;
use crate::p2::http::error::HeaderError;
use crate::p2::values::Bytes;
use crate::resources::{HostKind, HostObject};

/// Names a guest may not set: the connection is the host's business (wasmtime's list).
const FORBIDDEN: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "transfer-encoding",
    "upgrade",
    "host",
    "http2-settings",
];

/// A `fields`.
#[derive(Clone, Debug, Default)]
pub struct Fields {
    entries: Vec<(String, Vec<Vec<u8>>)>,
    /// Whether the fields belong to a message (and so cannot change).
    pub immutable: bool,
}

/// The name in lower case, if it is a valid field name.
fn parse_name(name: &str) -> Result<String, HeaderError> {
    http::HeaderName::from_bytes(name.as_bytes())
        .map(|n| n.as_str().to_string())
        .map_err(|_| HeaderError::InvalidSyntax)
}

fn check_value(value: &[u8]) -> Result<(), HeaderError> {
    http::HeaderValue::from_bytes(value)
        .map(|_| ())
        .map_err(|_| HeaderError::InvalidSyntax)
}

fn check_allowed(name: &str) -> Result<(), HeaderError> {
    if FORBIDDEN.contains(&name) {
        Err(HeaderError::Forbidden)
    } else {
        Ok(())
    }
}

impl Fields {
    /// Fields from (name, value) pairs, checked as the guest's would be.
    pub fn from_pairs(pairs: Vec<(String, Vec<u8>)>) -> Result<Fields, HeaderError> {
        let mut fields = Fields::default();
        for (name, value) in pairs {
            fields.append(&name, value)?;
        }
        Ok(fields)
    }

    /// Fields from a message the host received (nothing is forbidden there), immutable.
    pub fn received(map: &http::HeaderMap) -> Fields {
        let mut fields = Fields {
            immutable: true,
            ..Fields::default()
        };
        for (name, value) in map {
            fields.push(name.as_str().to_string(), value.as_bytes().to_vec());
        }
        fields
    }

    fn push(&mut self, name: String, value: Vec<u8>) {
        match self.entries.iter_mut().find(|(n, _)| *n == name) {
            Some((_, values)) => values.push(value),
            None => self.entries.push((name, vec![value])),
        }
    }

    fn check_mutable(&self) -> Result<(), HeaderError> {
        if self.immutable {
            Err(HeaderError::Immutable)
        } else {
            Ok(())
        }
    }

    /// Every value of `name` (none for a name that is not valid).
    pub fn get(&self, name: &str) -> Vec<Vec<u8>> {
        let Ok(name) = parse_name(name) else {
            return Vec::new();
        };
        self.entries
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    /// `append`.
    pub fn append(&mut self, name: &str, value: Vec<u8>) -> Result<(), HeaderError> {
        self.check_mutable()?;
        let name = parse_name(name)?;
        check_value(&value)?;
        check_allowed(&name)?;
        self.push(name, value);
        Ok(())
    }

    /// `set`: replaces every value of `name`.
    pub fn set(&mut self, name: &str, values: Vec<Vec<u8>>) -> Result<(), HeaderError> {
        self.check_mutable()?;
        let name = parse_name(name)?;
        values.iter().try_for_each(|v| check_value(v))?;
        check_allowed(&name)?;
        match self.entries.iter().position(|(n, _)| *n == name) {
            Some(i) if values.is_empty() => {
                self.entries.remove(i);
            }
            Some(i) => self.entries[i].1 = values,
            None if values.is_empty() => {}
            None => self.entries.push((name, values)),
        }
        Ok(())
    }

    /// `delete`.
    pub fn delete(&mut self, name: &str) -> Result<(), HeaderError> {
        self.check_mutable()?;
        let name = parse_name(name)?;
        check_allowed(&name)?;
        self.entries.retain(|(n, _)| *n != name);
        Ok(())
    }

    /// Every (name, value) pair.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.entries
            .iter()
            .flat_map(|(n, vs)| vs.iter().map(move |v| (n.as_str(), v.as_slice())))
    }

    /// The fields as a header map for hyper (every entry was checked on the way in).
    pub fn to_header_map(&self) -> http::HeaderMap {
        let mut map = http::HeaderMap::new();
        for (name, value) in self.pairs() {
            if let (Ok(n), Ok(v)) = (
                http::HeaderName::from_bytes(name.as_bytes()),
                http::HeaderValue::from_bytes(value),
            ) {
                map.append(n, v);
            }
        }
        map
    }
}

/// A `tuple<field-name, field-value>` for `entries`.
struct Entry(String, Bytes);

impl crate::p2::values::Store for Entry {
    const SIZE: u32 = 16;
    const ALIGN: u32 = 4;
    fn store(self, call: &mut P2Call<'_>, ptr: u32) -> Result<(), HostError> {
        self.0.store(call, ptr)?;
        self.1.store(call, ptr + 8)
    }
}

pub(crate) fn fields<'c>(call: &'c mut P2Call<'_>, this: i32) -> Result<&'c mut Fields, HostError> {
    match call.object(this as u32, HostKind::Fields)? {
        HostObject::Fields(fields) => Ok(fields),
        _ => unreachable!("the handle table checked the kind"),
    }
}

/// Loads `len` elements of `per` 32-bit words each (a list of pointer-length pairs).
fn load_words(call: &P2Call<'_>, ptr: i32, len: i32, per: u32) -> Result<Vec<u32>, HostError> {
    let words = (len as u32)
        .checked_mul(per)
        .ok_or(HostTrap::MemoryOutOfBounds)?;
    call.load_u32_list(ptr, words as i32)
}

/// Loads a `list<list<u8>>`.
fn load_values(call: &P2Call<'_>, ptr: i32, len: i32) -> Result<Vec<Vec<u8>>, HostError> {
    let words = load_words(call, ptr, len, 2)?;
    words
        .chunks_exact(2)
        .map(|pair| call.mem.read_bytes(pair[0], pair[1]))
        .collect()
}

/// `[constructor]fields`.
pub fn fields_new(call: &mut P2Call<'_>) -> Result<i32, HostError> {
    Ok(call.new_own(HostObject::Fields(Fields::default()))? as i32)
}

/// `[static]fields.from-list`.
pub fn fields_from_list(
    call: &mut P2Call<'_>,
    entries: i32,
    entries_len: i32,
    ret: i32,
) -> Result<(), HostError> {
    let words = load_words(call, entries, entries_len, 4)?;
    let mut pairs = Vec::with_capacity(words.len() / 4);
    for entry in words.chunks_exact(4) {
        let name = call.load_string(entry[0] as i32, entry[1] as i32)?;
        let value = call.mem.read_bytes(entry[2], entry[3])?;
        pairs.push((name, value));
    }
    let result = match Fields::from_pairs(pairs) {
        Ok(fields) => Ok(call.new_own(HostObject::Fields(fields))?),
        Err(e) => Err(e),
    };
    call.store_result(ret, result)
}

/// `[method]fields.get`.
pub fn fields_get(
    call: &mut P2Call<'_>,
    this: i32,
    name: i32,
    name_len: i32,
    ret: i32,
) -> Result<(), HostError> {
    let name = call.load_string(name, name_len)?;
    let values: Vec<Bytes> = fields(call, this)?
        .get(&name)
        .into_iter()
        .map(Bytes)
        .collect();
    call.store_result(ret, values)
}

/// `[method]fields.has`.
pub fn fields_has(
    call: &mut P2Call<'_>,
    this: i32,
    name: i32,
    name_len: i32,
) -> Result<i32, HostError> {
    let name = call.load_string(name, name_len)?;
    Ok(!fields(call, this)?.get(&name).is_empty() as i32)
}

/// `[method]fields.set`.
#[allow(clippy::too_many_arguments)]
pub fn fields_set(
    call: &mut P2Call<'_>,
    this: i32,
    name: i32,
    name_len: i32,
    values: i32,
    values_len: i32,
    ret: i32,
) -> Result<(), HostError> {
    let name = call.load_string(name, name_len)?;
    let values = load_values(call, values, values_len)?;
    let result = fields(call, this)?.set(&name, values);
    call.store_result(ret, result)
}

/// `[method]fields.delete`.
pub fn fields_delete(
    call: &mut P2Call<'_>,
    this: i32,
    name: i32,
    name_len: i32,
    ret: i32,
) -> Result<(), HostError> {
    let name = call.load_string(name, name_len)?;
    let result = fields(call, this)?.delete(&name);
    call.store_result(ret, result)
}

/// `[method]fields.append`.
#[allow(clippy::too_many_arguments)]
pub fn fields_append(
    call: &mut P2Call<'_>,
    this: i32,
    name: i32,
    name_len: i32,
    value: i32,
    value_len: i32,
    ret: i32,
) -> Result<(), HostError> {
    let name = call.load_string(name, name_len)?;
    let value = call.mem.read_bytes(value as u32, value_len as u32)?;
    let result = fields(call, this)?.append(&name, value);
    call.store_result(ret, result)
}

/// `[method]fields.entries`.
pub fn fields_entries(call: &mut P2Call<'_>, this: i32, ret: i32) -> Result<(), HostError> {
    let entries: Vec<Entry> = fields(call, this)?
        .pairs()
        .map(|(n, v)| Entry(n.to_string(), Bytes(v.to_vec())))
        .collect();
    call.store_result(ret, entries)
}

/// `[method]fields.clone`: a mutable copy.
pub fn fields_clone(call: &mut P2Call<'_>, this: i32) -> Result<i32, HostError> {
    let mut copy = fields(call, this)?.clone();
    copy.immutable = false;
    Ok(call.new_own(HostObject::Fields(copy))? as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_validate_and_keep_order() {
        let mut f = Fields::default();
        assert_eq!(
            f.append("malformed name", b"x".to_vec()),
            Err(HeaderError::InvalidSyntax)
        );
        assert_eq!(
            f.append("ok", b"bad\nvalue".to_vec()),
            Err(HeaderError::InvalidSyntax)
        );
        assert_eq!(
            f.append("Connection", b"close".to_vec()),
            Err(HeaderError::Forbidden)
        );
        f.append("X-B", b"1".to_vec()).unwrap();
        f.append("x-a", b"2".to_vec()).unwrap();
        f.append("x-b", b"3".to_vec()).unwrap();
        let pairs: Vec<_> = f
            .pairs()
            .map(|(n, v)| (n.to_string(), v.to_vec()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("x-b".to_string(), b"1".to_vec()),
                ("x-b".to_string(), b"3".to_vec()),
                ("x-a".to_string(), b"2".to_vec())
            ]
        );
        assert_eq!(f.get("X-b"), [b"1".to_vec(), b"3".to_vec()]);
        f.set("x-b", vec![b"9".to_vec()]).unwrap();
        assert_eq!(f.get("x-b"), [b"9".to_vec()]);
        f.delete("x-b").unwrap();
        assert!(f.get("x-b").is_empty());
        f.immutable = true;
        assert_eq!(f.append("y", b"1".to_vec()), Err(HeaderError::Immutable));
    }
}
