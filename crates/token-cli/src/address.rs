//! Source addresses a reverse proxy's requests may come from: single addresses or CIDR ranges.

use std::fmt;
use std::net::{IpAddr, Ipv6Addr};

/// One address (`10.0.0.5`, `::1`) or range (`10.0.0.0/8`, `fd00::/8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SourceRange {
    network: IpAddr,
    prefix: u8,
}

impl SourceRange {
    /// Parses an address or a CIDR range. Host bits set in a range (`10.0.0.1/8`) are refused,
    /// since they usually mean a typing mistake.
    ///
    /// # Errors
    ///
    /// A message naming the text and what is accepted.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let problem = |what: &str| {
            format!(
                "{text:?} {what}; write an address such as 10.0.0.5 or ::1, or a range such as \
                 10.0.0.0/8"
            )
        };
        let (address, prefix) = match text.trim().split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text.trim(), None),
        };
        let written: IpAddr = address
            .parse()
            .map_err(|_| problem("is not an IP address"))?;
        // An IPv4 address written as IPv6 (`::ffff:10.0.0.0`) is kept as IPv4, and its prefix
        // length, counted in IPv6's 128 bits, is taken over to IPv4's 32.
        let network = written.to_canonical();
        let mapped_bits = if written.is_ipv6() && network.is_ipv4() {
            96
        } else {
            0
        };
        let bits = max_prefix(network);
        let prefix = match prefix {
            None => bits,
            Some(prefix) => prefix
                .parse::<u8>()
                .ok()
                .and_then(|prefix| prefix.checked_sub(mapped_bits))
                .filter(|prefix| *prefix <= bits)
                .ok_or_else(|| {
                    problem(&format!(
                        "has a prefix length other than {mapped_bits} to {}",
                        bits + mapped_bits
                    ))
                })?,
        };
        let range = SourceRange { network, prefix };
        if masked(network, prefix) != bits_of(network) {
            return Err(problem("has bits set after its prefix length"));
        }
        Ok(range)
    }

    /// Whether the range is wider than any network a proxy sits in, which includes every address
    /// of the family (`0.0.0.0/0`, `::/0`) and its halves: for IPv4 a prefix under /8
    /// (`10.0.0.0/8` is the widest private network); for IPv6 a prefix under /32 (a whole
    /// provider's allocation) outside the unique local `fc00::/7` and link-local `fe80::/10`
    /// networks, which may be given whole. A range over one of the IPv6 networks that embed
    /// every IPv4 address ([`IPV4_EMBEDDING`]) counts as the IPv4 range it holds: under /104 it
    /// is under an IPv4 /8.
    pub(crate) fn is_too_wide(&self) -> bool {
        match self.network {
            IpAddr::V4(_) => self.prefix < 8,
            IpAddr::V6(_) => {
                let local = [(0xfc00_u128 << 112, 7), (0xfe80_u128 << 112, 10)]
                    .iter()
                    .any(|&(network, prefix)| {
                        self.prefix >= prefix && masked(self.network, prefix) == network
                    });
                let common = self.prefix.min(96);
                let over_ipv4 = IPV4_EMBEDDING.iter().any(|&network| {
                    masked(self.network, common) == masked(IpAddr::V6(network.into()), common)
                });
                (self.prefix < 32 && !local) || (over_ipv4 && self.prefix < 104)
            }
        }
    }

    /// Whether the range holds a loopback address, one of this machine's own: of `127.0.0.0/8`
    /// (also written as IPv6) or `::1`.
    pub(crate) fn holds_loopback(&self) -> bool {
        self.network.is_loopback()
            || self.contains(IpAddr::from([127, 0, 0, 1]))
            || self.contains(IpAddr::from(Ipv6Addr::LOCALHOST))
    }

    /// Whether `address` lies in the range. IPv4 addresses written as IPv6 (`::ffff:10.0.0.5`)
    /// count as IPv4.
    pub(crate) fn contains(&self, address: IpAddr) -> bool {
        let address = address.to_canonical();
        match (self.network, address) {
            (IpAddr::V4(_), IpAddr::V4(_)) | (IpAddr::V6(_), IpAddr::V6(_)) => {
                masked(address, self.prefix) == masked(self.network, self.prefix)
            }
            _ => false,
        }
    }
}

impl fmt::Display for SourceRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.prefix == max_prefix(self.network) {
            write!(f, "{}", self.network)
        } else {
            write!(f, "{}/{}", self.network, self.prefix)
        }
    }
}

/// The /96 networks whose last 32 bits are any IPv4 address: the IPv4-compatible `::/96`
/// (retired, but still parsed) and NAT64's well-known `64:ff9b::/96`. IPv4-mapped addresses
/// (`::ffff:0:0/96`) are read as IPv4 to begin with.
const IPV4_EMBEDDING: [u128; 2] = [0, 0x0064_ff9b_u128 << 96];

fn max_prefix(address: IpAddr) -> u8 {
    match address {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

fn bits_of(address: IpAddr) -> u128 {
    match address {
        IpAddr::V4(v4) => u128::from(u32::from(v4)),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

/// The address's bits with everything after the first `prefix` bits cleared.
fn masked(address: IpAddr, prefix: u8) -> u128 {
    let width = u32::from(max_prefix(address));
    let cleared = width - u32::from(prefix);
    let bits = bits_of(address);
    if cleared >= 128 {
        0
    } else {
        (bits >> cleared) << cleared
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(text: &str) -> SourceRange {
        SourceRange::parse(text).expect("a valid range")
    }

    #[test]
    fn loopback_ranges_are_told_apart() {
        for text in [
            "127.0.0.1",
            "127.0.0.2",
            "127.0.0.0/8",
            "::1",
            "::ffff:127.0.0.9",
            "::/104",
        ] {
            assert!(range(text).holds_loopback(), "{text}");
        }
        for text in [
            "10.0.0.0/8",
            "128.0.0.0/8",
            "::2",
            "fd00::/8",
            "::ffff:10.0.0.1",
        ] {
            assert!(!range(text).holds_loopback(), "{text}");
        }
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    #[test]
    fn single_addresses_match_only_themselves() {
        let one = range("127.0.0.1");
        assert!(one.contains(ip("127.0.0.1")));
        assert!(one.contains(ip("::ffff:127.0.0.1")));
        assert!(!one.contains(ip("127.0.0.2")));
        assert!(!one.contains(ip("::1")));
        assert!(range("::1").contains(ip("::1")));
        assert_eq!(one.to_string(), "127.0.0.1");
    }

    #[test]
    fn ranges_match_their_members() {
        let private = range("10.0.0.0/8");
        assert!(private.contains(ip("10.255.1.2")));
        assert!(!private.contains(ip("11.0.0.1")));
        assert!(range("0.0.0.0/0").contains(ip("192.0.2.1")));
        assert!(!range("0.0.0.0/0").contains(ip("2001:db8::1")));
        let unique_local = range("fd00::/8");
        assert!(unique_local.contains(ip("fd12:3456::1")));
        assert!(!unique_local.contains(ip("fe80::1")));
        assert!(range("::/0").contains(ip("2001:db8::1")));
        assert_eq!(private.to_string(), "10.0.0.0/8");
    }

    #[test]
    fn ranges_wider_than_a_private_network_are_too_wide() {
        for text in [
            "0.0.0.0/0",
            "0.0.0.0/1",
            "128.0.0.0/1",
            "8.0.0.0/7",
            "::/0",
            "8000::/1",
            "2000::/7",
            "2a00::/7",
            "2001:db8::/31",
            "fc00::/6",
        ] {
            assert!(range(text).is_too_wide(), "{text}");
        }
        for text in [
            "10.0.0.0/8",
            "172.16.0.0/12",
            "127.0.0.1",
            "fc00::/7",
            "::1",
            "fd00::/8",
            "fe80::/10",
            "2001:db8::/32",
            "2001:db8:1::/48",
            "::ffff:10.0.0.0/104",
        ] {
            assert!(!range(text).is_too_wide(), "{text}");
        }
    }

    #[test]
    fn ranges_over_the_ipv6_networks_that_embed_ipv4_count_as_ipv4_ranges() {
        for wide in [
            "64:ff9b::/96",
            "::/96",
            "::/64",
            "64:ff9b::/95",
            "64:ff9b::a00:0/103",
        ] {
            assert!(range(wide).is_too_wide(), "{wide}");
        }
        for narrow in [
            "64:ff9b::a00:0/104",
            "64:ff9b::a00:5",
            "::1",
            "::a00:0/104",
            "::/128",
        ] {
            assert!(!range(narrow).is_too_wide(), "{narrow}");
        }
        // Ranges beside them keep the IPv6 rule.
        assert!(!range("64:ff9c::/96").is_too_wide());
        assert!(!range("2001:db8::/96").is_too_wide());
    }

    #[test]
    fn ipv4_written_as_ipv6_counts_its_prefix_in_ipv6_bits() {
        let mapped = range("::ffff:10.0.0.0/104");
        assert_eq!(mapped, range("10.0.0.0/8"));
        assert_eq!(range("::ffff:10.0.0.5"), range("10.0.0.5"));
        assert!(mapped.contains(ip("10.1.2.3")));
        for text in [
            "::ffff:10.0.0.0/8",
            "::ffff:10.0.0.0/95",
            "::ffff:10.0.0.0/129",
        ] {
            let problem = SourceRange::parse(text).expect_err(text);
            assert!(
                problem.contains("has a prefix length other than 96 to 128"),
                "{problem}"
            );
        }
    }

    #[test]
    fn malformed_ranges_are_refused_with_the_text_named() {
        for text in [
            "",
            "localhost",
            "10.0.0.0/33",
            "10.0.0.0/x",
            "10.0.0.1/8",
            "::1/129",
            "300.1.1.1",
        ] {
            let problem = SourceRange::parse(text).expect_err(text);
            assert!(problem.contains(&format!("{text:?}")), "{problem}");
        }
    }
}
