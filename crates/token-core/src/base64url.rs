//! Base64url without padding (RFC 7515, section 2), the encoding of every JWT segment.
//!
//! Encoding uses `base64-simd`, which picks the widest vector instructions the processor has
//! when it first runs.

/// The number of characters `len` bytes encode to.
pub(crate) const fn encoded_len(len: usize) -> usize {
    len / 3 * 4 + [0, 2, 3][len % 3]
}

/// Appends the base64url encoding of `input`, without padding, to `out` (a `Vec<u8>` or a
/// `String`).
pub(crate) fn encode_into<Out: base64_simd::AppendBase64Encode>(input: &[u8], out: &mut Out) {
    base64_simd::URL_SAFE_NO_PAD.encode_append(input, out);
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
            for already in [&b""[..], b"eyJ0.", b"ab"] {
                let mut ours = already.to_vec();
                encode_into(&input[..len], &mut ours);
                assert_eq!(&ours[..already.len()], already, "length {len}");
                assert_eq!(
                    ours[already.len()..],
                    URL_SAFE_NO_PAD.encode(&input[..len]).into_bytes(),
                    "length {len}"
                );
                assert_eq!(ours.len() - already.len(), encoded_len(len));
            }
        }
    }

    #[test]
    fn rfc_4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foob", "Zm9vYg"),
            ("foo", "Zm9v"),
            ("\u{3e}\u{3f}\u{3e}", "Pj8-"),
        ];
        for (plain, encoded) in cases {
            let mut out = Vec::new();
            encode_into(plain.as_bytes(), &mut out);
            assert_eq!(out, encoded.as_bytes());
        }
    }
}
