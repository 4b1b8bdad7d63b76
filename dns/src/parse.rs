//! The parser: `nom` combinators over the message bytes, with the name rules (pointers
//! strictly backwards, a hop limit, 63/255 length limits) enforced while reading.
//!
//! Every parser takes the whole message `msg` as context (compression pointers are
//! offsets into it) and a sub-slice of it as input; offsets in errors are positions in
//! `msg`.

use std::net::{Ipv4Addr, Ipv6Addr};

use bytes::Bytes;
use nom::IResult;
use nom::Parser;
use nom::bytes::complete::take;
use nom::number::complete::{be_u8, be_u16, be_u32};

use crate::name::{MAX_NAME_LEN, MAX_POINTER_HOPS, NameBuf};
use crate::{
    Class, DnsPacket, EdnsOption, HEADER_LEN, Message, Name, ParseError, Question, RData, Record, RecordType,
    Soa,
};

/// nom's error type here: where parsing stopped and, for rule violations, why.
#[derive(Debug)]
pub(crate) struct Failure {
    /// Bytes left in the input where it happened.
    remaining: usize,
    /// A rule violation; `None` means the input ran out.
    error: Option<ParseError>,
}

impl<'a> nom::error::ParseError<&'a [u8]> for Failure {
    fn from_error_kind(input: &'a [u8], _kind: nom::error::ErrorKind) -> Self {
        Self { remaining: input.len(), error: None }
    }

    fn append(_input: &'a [u8], _kind: nom::error::ErrorKind, other: Self) -> Self {
        other
    }
}

type PResult<'a, T> = IResult<&'a [u8], T, Failure>;

fn fail<'a, T>(error: ParseError) -> PResult<'a, T> {
    Err(nom::Err::Failure(Failure { remaining: 0, error: Some(error) }))
}

/// Offset of `input` (a sub-slice of `msg`) inside `msg`.
fn offset_in(msg: &[u8], input: &[u8]) -> usize {
    (input.as_ptr() as usize).saturating_sub(msg.as_ptr() as usize)
}

/// Reads a name that starts at `start` in `msg`, its in-line labels ending before `limit`.
/// Returns the name and the offset just after its in-line part.
pub(crate) fn read_name(msg: &[u8], start: usize, limit: usize) -> Result<(Name, usize), ParseError> {
    let mut wire = NameBuf::new();
    let mut pos = start;
    // Pointers must point strictly before the start of the label run they end. Each run
    // of in-line labels is validated label by label and copied in one piece.
    let mut run_start = start;
    let mut bound = limit.min(msg.len());
    let mut end = None;
    let mut hops = 0;
    loop {
        let byte = *msg.get(pos).filter(|_| pos < bound).ok_or(ParseError::Truncated { offset: pos })?;
        match byte & 0xc0 {
            0x00 => {
                let label_len = usize::from(byte);
                if label_len == 0 {
                    wire.push(msg.get(run_start..=pos).unwrap_or(&[0]));
                    return Ok((wire.finish(), end.unwrap_or(pos + 1)));
                }
                if wire.len() + (pos - run_start) + 1 + label_len >= MAX_NAME_LEN {
                    return Err(ParseError::NameTooLong { offset: start });
                }
                if pos + label_len >= bound {
                    return Err(ParseError::Truncated { offset: pos });
                }
                pos += 1 + label_len;
            }
            0xc0 => {
                let low = *msg
                    .get(pos + 1)
                    .filter(|_| pos + 1 < bound)
                    .ok_or(ParseError::Truncated { offset: pos })?;
                let target = (usize::from(byte & 0x3f) << 8) | usize::from(low);
                if target >= run_start {
                    return Err(ParseError::ForwardPointer { offset: pos, target });
                }
                hops += 1;
                if hops > MAX_POINTER_HOPS {
                    return Err(ParseError::TooManyPointers { offset: start, hops: MAX_POINTER_HOPS });
                }
                wire.push(msg.get(run_start..pos).unwrap_or(&[]));
                end.get_or_insert(pos + 2);
                run_start = target;
                pos = target;
                bound = msg.len();
            }
            bits => return Err(ParseError::ReservedLabelType { offset: pos, bits }),
        }
    }
}

/// A name, possibly compressed; in-line labels must lie inside `input`.
fn name<'a>(msg: &'a [u8]) -> impl Fn(&'a [u8]) -> PResult<'a, Name> {
    move |input: &'a [u8]| {
        let start = offset_in(msg, input);
        match read_name(msg, start, start + input.len()) {
            Ok((name, end)) => Ok((&input[end - start..], name)),
            Err(e) => fail(e),
        }
    }
}

fn question<'a>(msg: &'a [u8]) -> impl Fn(&'a [u8]) -> PResult<'a, Question> {
    move |input| {
        let (input, (name, qtype, qclass)) = (name(msg), be_u16, be_u16).parse(input)?;
        Ok((input, Question { name, qtype: RecordType(qtype), qclass: Class(qclass) }))
    }
}

fn record<'a>(msg: &'a [u8]) -> impl Fn(&'a [u8]) -> PResult<'a, Record> {
    move |input| {
        let (input, (name, rtype, class, ttl, rdlen)) =
            (name(msg), be_u16, be_u16, be_u32, be_u16).parse(input)?;
        let rtype = RecordType(rtype);
        let (input, data) = take(rdlen).parse(input)?;
        let rdata = rdata(msg, rtype, data)?;
        Ok((input, Record { name, class: Class(class), ttl, rdata }))
    }
}

/// RDATA of `rtype`, which must use up `data` exactly.
fn rdata<'a>(msg: &'a [u8], rtype: RecordType, data: &'a [u8]) -> Result<RData, nom::Err<Failure>> {
    let offset = offset_in(msg, data);
    let bad_len = |used: usize| {
        nom::Err::Failure(Failure {
            remaining: 0,
            error: Some(ParseError::BadRdataLength { rtype, offset, declared: data.len(), used }),
        })
    };
    let fixed = |len: usize| if data.len() == len { Ok(()) } else { Err(bad_len(len)) };
    let typed: PResult<'a, RData> = match rtype {
        RecordType::A => {
            fixed(4)?;
            Ok((&data[4..], RData::A(Ipv4Addr::new(data[0], data[1], data[2], data[3]))))
        }
        RecordType::AAAA => {
            fixed(16)?;
            let mut octets = [0; 16];
            octets.copy_from_slice(data);
            Ok((&data[16..], RData::Aaaa(Ipv6Addr::from(octets))))
        }
        RecordType::NS => name(msg).map(RData::Ns).parse(data),
        RecordType::CNAME => name(msg).map(RData::Cname).parse(data),
        RecordType::PTR => name(msg).map(RData::Ptr).parse(data),
        RecordType::SOA => (name(msg), name(msg), be_u32, be_u32, be_u32, be_u32, be_u32)
            .map(|(mname, rname, serial, refresh, retry, expire, minimum)| {
                RData::Soa(Soa { mname, rname, serial, refresh, retry, expire, minimum })
            })
            .parse(data),
        RecordType::MX => {
            (be_u16, name(msg)).map(|(preference, exchange)| RData::Mx { preference, exchange }).parse(data)
        }
        RecordType::SRV => (be_u16, be_u16, be_u16, name(msg))
            .map(|(priority, weight, port, target)| RData::Srv { priority, weight, port, target })
            .parse(data),
        RecordType::TXT => {
            let mut strings = Vec::new();
            let mut rest = data;
            while !rest.is_empty() {
                let (r, len) = be_u8(rest)?;
                let (r, s) = take(len).parse(r)?;
                strings.push(Bytes::copy_from_slice(s));
                rest = r;
            }
            Ok((rest, RData::Txt(strings)))
        }
        RecordType::OPT => {
            let mut options = Vec::new();
            let mut rest = data;
            while !rest.is_empty() {
                let (r, (code, len)) = (be_u16, be_u16).parse(rest)?;
                let (r, d) = take(len).parse(r)?;
                options.push(EdnsOption { code, data: Bytes::copy_from_slice(d) });
                rest = r;
            }
            Ok((rest, RData::Opt(options)))
        }
        _ => Ok((&data[data.len()..], RData::Unknown { rtype, data: Bytes::copy_from_slice(data) })),
    };
    match typed {
        Ok(([], rdata)) => Ok(rdata),
        Ok((rest, _)) => Err(bad_len(data.len() - rest.len())),
        // Running out inside RDATA is a length mismatch, not a short message.
        Err(nom::Err::Error(f) | nom::Err::Failure(f))
            if matches!(f.error, None | Some(ParseError::Truncated { .. })) =>
        {
            Err(bad_len(data.len() + 1))
        }
        Err(e) => Err(e),
    }
}

/// `count` items of `item`, allocating no more than the input could hold.
fn counted<'a, T>(
    input: &'a [u8],
    count: u16,
    min_len: usize,
    item: impl Fn(&'a [u8]) -> PResult<'a, T>,
) -> PResult<'a, Vec<T>> {
    let mut items = Vec::with_capacity(usize::from(count).min(input.len() / min_len));
    let mut rest = input;
    for _ in 0..count {
        let (r, x) = item(rest)?;
        items.push(x);
        rest = r;
    }
    Ok((rest, items))
}

/// Parses a whole message.
pub(crate) fn message(msg: &[u8]) -> Result<Message, ParseError> {
    let header = DnsPacket::new_checked(msg)?;
    let body = header.payload();
    let result = (|| {
        let (rest, questions) = counted(body, header.qdcount(), 5, question(msg))?;
        let (rest, answers) = counted(rest, header.ancount(), 11, record(msg))?;
        let (rest, authorities) = counted(rest, header.nscount(), 11, record(msg))?;
        let (rest, additionals) = counted(rest, header.arcount(), 11, record(msg))?;
        Ok((rest, (questions, answers, authorities, additionals)))
    })();
    let (rest, (questions, answers, authorities, additionals)) = match result {
        Ok(ok) => ok,
        Err(nom::Err::Error(f) | nom::Err::Failure(f)) => {
            return Err(f.error.unwrap_or(ParseError::Truncated { offset: msg.len() - f.remaining }));
        }
        Err(nom::Err::Incomplete(_)) => return Err(ParseError::Truncated { offset: msg.len() }),
    };
    if !rest.is_empty() {
        return Err(ParseError::TrailingBytes { offset: msg.len() - rest.len(), extra: rest.len() });
    }
    check_opt(msg, &additionals, &answers, &authorities)?;
    Ok(Message { id: header.id(), flags: header.flags(), questions, answers, authorities, additionals })
}

/// RFC 6891 §6.1.1: at most one OPT, in the additional section, owned by the root.
fn check_opt(
    msg: &[u8],
    additionals: &[Record],
    answers: &[Record],
    authorities: &[Record],
) -> Result<(), ParseError> {
    let offset = HEADER_LEN.min(msg.len());
    if answers.iter().chain(authorities).any(|r| r.rtype() == RecordType::OPT) {
        return Err(ParseError::BadOpt { offset, why: "OPT outside the additional section" });
    }
    let mut opts = additionals.iter().filter(|r| r.rtype() == RecordType::OPT);
    if let Some(opt) = opts.next() {
        if !opt.name.is_root() {
            return Err(ParseError::BadOpt { offset, why: "OPT owner is not the root" });
        }
        if opts.next().is_some() {
            return Err(ParseError::BadOpt { offset, why: "more than one OPT record" });
        }
    }
    Ok(())
}
