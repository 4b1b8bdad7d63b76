//! Fragmentation and reassembly: properties and the RFC 791 / RFC 5722 edge cases.

use core::time::Duration;

use ipv4::fragment::fragment;
use ipv4::strategies::ipv4_repr_with;
use ipv4::{
    Dscp, Ecn, FragmentError, IpProtocol, Ipv4Options, Ipv4Packet, Ipv4Repr, Reassembler, ReassemblyConfig,
    ReassemblyError,
};
use proptest::prelude::*;

fn repr(payload_len: usize) -> Ipv4Repr {
    Ipv4Repr {
        src_addr: "192.0.2.10".parse().unwrap(),
        dst_addr: "192.0.2.20".parse().unwrap(),
        protocol: IpProtocol::UDP,
        ttl: 64,
        dscp: Dscp::CS0,
        ecn: Ecn::NOT_ECT,
        ident: 0x4242,
        dont_frag: false,
        more_frags: false,
        frag_offset: 0,
        options: Ipv4Options::NONE,
        payload_len,
    }
}

fn piece(repr: &Ipv4Repr, offset: u16, more: bool, payload: &[u8]) -> (Ipv4Repr, Vec<u8>) {
    let piece = Ipv4Repr { frag_offset: offset, more_frags: more, payload_len: payload.len(), ..*repr };
    (piece, payload.to_vec())
}

fn parsed(bytes: &[u8]) -> (Ipv4Repr, Vec<u8>) {
    let packet = Ipv4Packet::new_checked(bytes).unwrap();
    (Ipv4Repr::parse(&packet).unwrap(), packet.payload().to_vec())
}

proptest! {
    #[test]
    fn fragments_in_any_order_reassemble_to_the_original(
        repr in ipv4_repr_with(9000),
        mtu in 68usize..2000,
        order in any::<prop::sample::Index>(),
        duplicate in any::<prop::sample::Index>(),
    ) {
        let repr = Ipv4Repr { dont_frag: false, more_frags: false, frag_offset: 0, ..repr };
        let payload: Vec<u8> = (0..repr.payload_len).map(|i| (i * 13 + 5) as u8).collect();
        let fragments = fragment(&repr, &payload, mtu).unwrap();
        let mut pieces: Vec<(Ipv4Repr, Vec<u8>)> = fragments.iter().map(|f| parsed(f)).collect();
        for (i, bytes) in fragments.iter().enumerate() {
            prop_assert!(bytes.len() <= mtu);
            let (piece, data) = &pieces[i];
            if piece.more_frags {
                prop_assert_eq!(data.len() % 8, 0);
            }
            if i > 0 {
                prop_assert_eq!(piece.options, repr.options.copied_on_fragmentation());
            }
        }
        // A deterministic shuffle from the sampled index, plus one repeated piece.
        let n = pieces.len();
        let rotate = order.index(n);
        pieces.rotate_left(rotate);
        if n > 1 {
            pieces.swap(0, n - 1);
            let extra = pieces[duplicate.index(n - 1)].clone();
            pieces.insert(0, extra);
        }
        let mut reassembler = Reassembler::default();
        let mut done = Vec::new();
        for (piece, data) in &pieces {
            if let Some(whole) = reassembler.handle_fragment(Duration::ZERO, piece, data).unwrap() {
                done.push(whole);
            }
        }
        prop_assert_eq!(done, vec![(repr, payload)]);
        prop_assert!(reassembler.is_empty());
        prop_assert_eq!(reassembler.bytes_in_flight(), 0);
    }
}

#[test]
fn dont_fragment_reports_the_mtu_and_small_mtus_are_refused() {
    let big = Ipv4Repr { dont_frag: true, ..repr(2000) };
    assert_eq!(fragment(&big, &[0; 2000], 1500), Err(FragmentError::FragmentationNeeded { mtu: 1500 }));
    assert_eq!(fragment(&repr(10), &[0; 10], 67), Err(FragmentError::MtuTooSmall { mtu: 67 }));
    // A datagram that fits is sent as is, DF or not.
    assert_eq!(fragment(&big, &[0; 100], 1500).unwrap().len(), 1);
}

#[test]
fn only_copied_options_reach_later_fragments() {
    // Router Alert (copied), then Record Route (not copied), then padding.
    let options = Ipv4Options::try_new(&[0x94, 4, 0, 0, 7, 7, 4, 0, 0, 0, 0, 0]).unwrap();
    let with_options = Ipv4Repr { options, ..repr(1000) };
    let fragments = fragment(&with_options, &[1; 1000], 576).unwrap();
    let first = Ipv4Packet::new_checked(&fragments[0][..]).unwrap();
    assert_eq!(first.options(), options.as_bytes());
    assert_eq!(first.payload().len(), (576 - 32) & !7);
    let second = Ipv4Packet::new_checked(&fragments[1][..]).unwrap();
    assert_eq!(second.options(), &[0x94, 4, 0, 0]);
    assert_eq!(second.frag_offset(), 544);
}

#[test]
fn overlapping_fragments_drop_the_datagram() {
    let base = repr(0);
    let mut reassembler = Reassembler::default();
    let (a, da) = piece(&base, 0, true, &[1; 16]);
    let (b, db) = piece(&base, 8, true, &[2; 16]);
    assert_eq!(reassembler.handle_fragment(Duration::ZERO, &a, &da), Ok(None));
    let error = reassembler.handle_fragment(Duration::ZERO, &b, &db).unwrap_err();
    assert!(matches!(error, ReassemblyError::Overlap { start: 8, end: 24, .. }));
    assert!(reassembler.is_empty());
    assert_eq!(reassembler.bytes_in_flight(), 0);

    // An exact duplicate with different bytes is an overlap too.
    let (c, dc) = piece(&base, 0, true, &[3; 16]);
    assert_eq!(reassembler.handle_fragment(Duration::ZERO, &a, &da), Ok(None));
    assert!(matches!(
        reassembler.handle_fragment(Duration::ZERO, &c, &dc),
        Err(ReassemblyError::Overlap { .. })
    ));
}

#[test]
fn length_limits_and_conflicting_ends_drop_the_datagram() {
    let base = repr(0);
    let mut reassembler = Reassembler::default();
    // 65,528 + 16 payload bytes behind a 20-byte header overflow 65,535.
    let (far, data) = piece(&base, 65528, false, &[0; 16]);
    assert!(matches!(
        reassembler.handle_fragment(Duration::ZERO, &far, &data),
        Err(ReassemblyError::TooLong { end: 65544, limit: 65515, .. })
    ));
    let (last, data) = piece(&base, 800, false, &[0; 8]);
    assert_eq!(reassembler.handle_fragment(Duration::ZERO, &last, &data), Ok(None));
    let (beyond, data) = piece(&base, 808, true, &[0; 8]);
    assert!(matches!(
        reassembler.handle_fragment(Duration::ZERO, &beyond, &data),
        Err(ReassemblyError::TooLong { limit: 808, .. })
    ));
    assert!(reassembler.is_empty());
    let (odd, data) = piece(&base, 0, true, &[0; 7]);
    assert_eq!(
        reassembler.handle_fragment(Duration::ZERO, &odd, &data),
        Err(ReassemblyError::BadFragmentLength { len: 7 })
    );
    let (a, da) = piece(&base, 16, false, &[0; 8]);
    let (b, db) = piece(&base, 8, false, &[0; 8]);
    assert_eq!(reassembler.handle_fragment(Duration::ZERO, &a, &da), Ok(None));
    assert!(matches!(
        reassembler.handle_fragment(Duration::ZERO, &b, &db),
        Err(ReassemblyError::ConflictingEnd { end: 16, known: 24, .. })
    ));
    assert!(reassembler.is_empty());
}

#[test]
fn expired_datagrams_are_reported_with_the_icmp_quote() {
    let base = repr(0);
    let mut reassembler = Reassembler::default();
    assert_eq!(reassembler.poll_timeout(), None);
    let payload: Vec<u8> = (0..16).collect();
    let (first, data) = piece(&base, 0, true, &payload);
    reassembler.handle_fragment(Duration::from_secs(5), &first, &data).unwrap();
    let other = Ipv4Repr { ident: 7, ..base };
    let (middle, data) = piece(&other, 8, true, &payload);
    reassembler.handle_fragment(Duration::from_secs(6), &middle, &data).unwrap();
    assert_eq!(reassembler.poll_timeout(), Some(Duration::from_secs(35)));
    reassembler.handle_timeout(Duration::from_secs(34));
    assert_eq!(reassembler.poll_event(), None);
    reassembler.handle_timeout(Duration::from_secs(35));
    let expired = reassembler.poll_event().unwrap();
    assert_eq!(expired.key.ident, 0x4242);
    assert_eq!(expired.first_fragment, Some(first));
    let (quoted, rest) = Ipv4Repr::parse_lax(&expired.quote).unwrap();
    assert_eq!(quoted, first);
    assert_eq!(rest, &payload[..8]);
    assert_eq!(reassembler.poll_event(), None);
    reassembler.handle_timeout(Duration::from_secs(36));
    let expired = reassembler.poll_event().unwrap();
    assert_eq!(expired.first_fragment, None);
    assert!(expired.quote.is_empty());
    assert!(reassembler.is_empty());
    assert_eq!(reassembler.bytes_in_flight(), 0);
}

#[test]
fn a_full_table_refuses_new_datagrams_but_completes_old_ones() {
    let config =
        ReassemblyConfig { max_datagrams: 2, max_bytes_in_flight: 64, ..ReassemblyConfig::default() };
    let mut reassembler = Reassembler::new(config);
    let base = repr(0);
    for ident in [1, 2] {
        let (p, d) = piece(&Ipv4Repr { ident, ..base }, 0, true, &[0; 8]);
        assert_eq!(reassembler.handle_fragment(Duration::ZERO, &p, &d), Ok(None));
    }
    let (p, d) = piece(&Ipv4Repr { ident: 3, ..base }, 0, true, &[0; 8]);
    assert_eq!(
        reassembler.handle_fragment(Duration::ZERO, &p, &d),
        Err(ReassemblyError::TooManyDatagrams { max: 2 })
    );
    // Too many bytes: refused, the datagram kept.
    let (p, d) = piece(&Ipv4Repr { ident: 1, ..base }, 8, true, &[0; 56]);
    assert_eq!(
        reassembler.handle_fragment(Duration::ZERO, &p, &d),
        Err(ReassemblyError::BuffersFull { max: 64 })
    );
    assert_eq!(reassembler.len(), 2);
    let (p, d) = piece(&Ipv4Repr { ident: 1, ..base }, 8, false, &[9; 4]);
    let (whole, data) = reassembler.handle_fragment(Duration::ZERO, &p, &d).unwrap().unwrap();
    assert_eq!(whole.payload_len, 12);
    assert_eq!(data, [0, 0, 0, 0, 0, 0, 0, 0, 9, 9, 9, 9]);
    assert_eq!(reassembler.len(), 1);
    assert_eq!(reassembler.bytes_in_flight(), 8);
}

#[test]
fn an_unfragmented_datagram_passes_straight_through() {
    let mut reassembler = Reassembler::default();
    let whole = repr(3);
    assert_eq!(
        reassembler.handle_fragment(Duration::ZERO, &whole, b"abc"),
        Ok(Some((whole, b"abc".to_vec())))
    );
    assert!(reassembler.is_empty());
}

#[test]
fn the_payload_not_the_repr_sets_the_first_fragments_length() {
    // `handle_fragment` documents the payload's length as authoritative: a repr whose
    // `payload_len` disagrees must not shrink the ICMP quote or the reported header.
    let mut reassembler = Reassembler::default();
    let payload: Vec<u8> = (0..16).collect();
    let stale = Ipv4Repr { more_frags: true, ..repr(0) };
    assert_eq!(reassembler.handle_fragment(Duration::ZERO, &stale, &payload), Ok(None));
    reassembler.handle_timeout(Duration::from_secs(30));
    let expired = reassembler.poll_event().unwrap();
    assert_eq!(expired.first_fragment, Some(Ipv4Repr { payload_len: 16, ..stale }));
    let (quoted, rest) = Ipv4Repr::parse_lax(&expired.quote).unwrap();
    assert_eq!(quoted.payload_len, 16);
    assert_eq!(rest, &payload[..8]);
}
