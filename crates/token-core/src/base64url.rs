//! Base64url without padding (RFC 7515, section 2), the encoding of every JWT segment.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The number of characters `len` bytes encode to.
pub(crate) const fn encoded_len(len: usize) -> usize {
    len / 3 * 4 + [0, 2, 3][len % 3]
}

/// Appends the base64url encoding of `input`, without padding, to `out`.
pub(crate) fn encode_into(input: &[u8], out: &mut Vec<u8>) {
    out.reserve(encoded_len(input.len()));
    let symbol = |group: u32, shift: u32| ALPHABET[((group >> shift) & 63) as usize];
    let mut chunks = input.chunks_exact(3);
    for chunk in &mut chunks {
        let group = u32::from(chunk[0]) << 16 | u32::from(chunk[1]) << 8 | u32::from(chunk[2]);
        out.extend_from_slice(&[
            symbol(group, 18),
            symbol(group, 12),
            symbol(group, 6),
            symbol(group, 0),
        ]);
    }
    match *chunks.remainder() {
        [a] => {
            let group = u32::from(a) << 16;
            out.extend_from_slice(&[symbol(group, 18), symbol(group, 12)]);
        }
        [a, b] => {
            let group = u32::from(a) << 16 | u32::from(b) << 8;
            out.extend_from_slice(&[symbol(group, 18), symbol(group, 12), symbol(group, 6)]);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    #[test]
    fn matches_the_base64_crate_for_every_length_and_byte() {
        let input: Vec<u8> = (0..=255u8).chain((0..=255u8).rev()).collect();
        for len in 0..input.len() {
            let mut ours = Vec::new();
            encode_into(&input[..len], &mut ours);
            assert_eq!(
                ours,
                URL_SAFE_NO_PAD.encode(&input[..len]).into_bytes(),
                "length {len}"
            );
            assert_eq!(ours.len(), encoded_len(len));
        }
    }

    #[test]
    fn rfc_4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
        ];
        for (plain, encoded) in cases {
            let mut out = Vec::new();
            encode_into(plain.as_bytes(), &mut out);
            assert_eq!(out, encoded.as_bytes());
        }
    }
}
