//! Base64url without padding (RFC 7515, section 2), the encoding of every JWT segment.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The number of characters `len` bytes encode to.
pub(crate) const fn encoded_len(len: usize) -> usize {
    len / 3 * 4 + [0, 2, 3][len % 3]
}

/// Every 12-bit value's two base64url characters (low 16 bits), and bit 16 set when one of them
/// is `-` or `_`. Encoding looks up two entries per three input bytes.
const PAIRS: [u32; 4096] = pairs();

const fn pairs() -> [u32; 4096] {
    let mut table = [0u32; 4096];
    let mut value = 0;
    while value < 4096 {
        let (high, low) = (value >> 6, value & 63);
        let dash_or_underscore = (high >= 62 || low >= 62) as u32;
        table[value] =
            ALPHABET[high] as u32 | (ALPHABET[low] as u32) << 8 | dash_or_underscore << 16;
        value += 1;
    }
    table
}

/// Appends the base64url encoding of `input`, without padding, to `out`. Returns whether the
/// appended characters are all letters and digits (no `-` or `_`), which is what the browser's
/// `atob()` needs.
pub(crate) fn encode_into(input: &[u8], out: &mut Vec<u8>) -> bool {
    let start = out.len();
    out.resize(start + encoded_len(input.len()), 0);
    let encoded = &mut out[start..];
    let mut flags = 0u32;

    let mut chunks = input.chunks_exact(3);
    let mut slots = encoded.chunks_exact_mut(4);
    for (chunk, slot) in (&mut chunks).zip(&mut slots) {
        let group = u32::from(chunk[0]) << 16 | u32::from(chunk[1]) << 8 | u32::from(chunk[2]);
        let high = PAIRS[(group >> 12) as usize];
        let low = PAIRS[(group & 0xfff) as usize];
        flags |= high | low;
        slot.copy_from_slice(&[high as u8, (high >> 8) as u8, low as u8, (low >> 8) as u8]);
    }

    let tail = slots.into_remainder();
    let group = match *chunks.remainder() {
        [a] => u32::from(a) << 16,
        [a, b] => u32::from(a) << 16 | u32::from(b) << 8,
        _ => 0,
    };
    for (index, slot) in tail.iter_mut().enumerate() {
        let sextet = ((group >> (18 - 6 * index)) & 63) as usize;
        flags |= u32::from(sextet >= 62) << 16;
        *slot = ALPHABET[sextet];
    }
    flags & 1 << 16 == 0
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
