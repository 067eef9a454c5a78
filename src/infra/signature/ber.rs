//! A small BER reader for CMS (definite and indefinite lengths, chunked OCTET STRINGs):
//! all input is hostile, so nothing here indexes, unwraps or allocates more than the input's
//! size, and nesting is bounded.

use std::borrow::Cow;

/// Deepest BER nesting read; CMS needs about ten levels.
const MAX_BER_DEPTH: usize = 32;

pub(super) const INTEGER: u8 = 0x02;
pub(super) const OCTET_STRING: u8 = 0x04;
pub(super) const OCTET_STRING_CONSTRUCTED: u8 = 0x24;
pub(super) const OID: u8 = 0x06;
pub(super) const SEQUENCE: u8 = 0x30;
pub(super) const SET: u8 = 0x31;
pub(super) const CONTEXT_0: u8 = 0xA0;
pub(super) const CONTEXT_1: u8 = 0xA1;
pub(super) const CONTEXT_2: u8 = 0xA2;
pub(super) const CONTEXT_0_PRIMITIVE: u8 = 0x80;

/// Structurally broken input (a message for people is chosen by the caller).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Malformed;

/// One BER element. `id` is the first identifier octet (high tag numbers keep 0x1F there and
/// never equal the tags this module asks for).
#[derive(Debug, Clone, Copy)]
pub(super) struct Tlv<'a> {
    pub(super) id: u8,
    /// The contents (for an indefinite length: up to, not including, the end-of-contents).
    pub(super) content: &'a [u8],
    /// The whole encoding: identifier, length, contents (and end-of-contents).
    pub(super) raw: &'a [u8],
    pub(super) indefinite: bool,
    pub(super) depth: usize,
}

pub(super) enum Length {
    Definite(usize),
    Indefinite,
}

/// Identifier octet, length, header size.
pub(super) fn read_header(input: &[u8]) -> Result<(u8, Length, usize), Malformed> {
    let (&id, mut rest) = input.split_first().ok_or(Malformed)?;
    let mut header = 1usize;
    if id & 0x1F == 0x1F {
        loop {
            let (&b, tail) = rest.split_first().ok_or(Malformed)?;
            rest = tail;
            header += 1;
            if b & 0x80 == 0 {
                break;
            }
            if header > 6 {
                return Err(Malformed);
            }
        }
    }
    let (&first, mut rest) = rest.split_first().ok_or(Malformed)?;
    header += 1;
    let length = match first {
        0..=0x7F => Length::Definite(usize::from(first)),
        0x80 => Length::Indefinite,
        0x81..=0x84 => {
            let mut n = 0usize;
            for _ in 0..(first & 0x7F) {
                let (&b, tail) = rest.split_first().ok_or(Malformed)?;
                rest = tail;
                header += 1;
                n = n.checked_mul(256).and_then(|n| n.checked_add(usize::from(b))).ok_or(Malformed)?;
            }
            Length::Definite(n)
        }
        _ => return Err(Malformed),
    };
    Ok((id, length, header))
}

/// Reads one element at `depth` and returns it with the bytes after it.
pub(super) fn read_tlv(input: &[u8], depth: usize) -> Result<(Tlv<'_>, &[u8]), Malformed> {
    if depth > MAX_BER_DEPTH {
        return Err(Malformed);
    }
    let (id, length, header) = read_header(input)?;
    let body = input.get(header..).ok_or(Malformed)?;
    let (content, raw_len, indefinite) = match length {
        Length::Definite(n) => (body.get(..n).ok_or(Malformed)?, header.checked_add(n).ok_or(Malformed)?, false),
        Length::Indefinite => {
            if id & 0x20 == 0 {
                return Err(Malformed);
            }
            // Walk the children up to the end-of-contents octets.
            let mut rest = body;
            while !rest.starts_with(&[0, 0]) {
                rest = read_tlv(rest, depth + 1)?.1;
            }
            let n = body.len() - rest.len();
            (body.get(..n).ok_or(Malformed)?, header + n + 2, true)
        }
    };
    let raw = input.get(..raw_len).ok_or(Malformed)?;
    let after = input.get(raw_len..).ok_or(Malformed)?;
    Ok((Tlv { id, content, raw, indefinite, depth }, after))
}

impl<'a> Tlv<'a> {
    pub(super) fn items(&self) -> Items<'a> {
        Items { rest: self.content, depth: self.depth + 1 }
    }

    /// The bytes of an OCTET STRING, primitive or constructed (BER chunks).
    pub(super) fn octets(&self) -> Result<Cow<'a, [u8]>, Malformed> {
        match self.id {
            OCTET_STRING => Ok(Cow::Borrowed(self.content)),
            OCTET_STRING_CONSTRUCTED => {
                let mut out = Vec::new();
                let mut items = self.items();
                while let Some(chunk) = items.next()? {
                    out.extend_from_slice(&chunk.octets()?);
                }
                Ok(Cow::Owned(out))
            }
            _ => Err(Malformed),
        }
    }
}

/// The elements inside a constructed element, in order.
pub(super) struct Items<'a> {
    pub(super) rest: &'a [u8],
    pub(super) depth: usize,
}

impl<'a> Items<'a> {
    pub(super) fn next(&mut self) -> Result<Option<Tlv<'a>>, Malformed> {
        if self.rest.is_empty() {
            return Ok(None);
        }
        let (tlv, rest) = read_tlv(self.rest, self.depth)?;
        self.rest = rest;
        Ok(Some(tlv))
    }

    pub(super) fn expect(&mut self, id: u8) -> Result<Tlv<'a>, Malformed> {
        match self.next()? {
            Some(tlv) if tlv.id == id => Ok(tlv),
            _ => Err(Malformed),
        }
    }

    pub(super) fn optional(&mut self, id: u8) -> Result<Option<Tlv<'a>>, Malformed> {
        if self.rest.first() == Some(&id) { self.next() } else { Ok(None) }
    }
}

/// A non-negative INTEGER that fits in a u32.
pub(super) fn small_uint(tlv: &Tlv<'_>) -> Option<u32> {
    if tlv.id != INTEGER || tlv.content.is_empty() || tlv.content.len() > 5 {
        return None;
    }
    if tlv.content.first().is_some_and(|b| b & 0x80 != 0) {
        return None;
    }
    tlv.content.iter().try_fold(0u32, |n, &b| n.checked_mul(256).map(|n| n | u32::from(b)))
}
