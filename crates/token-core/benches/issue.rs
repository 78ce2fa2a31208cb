//! Issuing a token against the floor it cannot beat: a bare, pre-keyed HMAC-SHA256 over the
//! same signing input. Run with `cargo bench -p ckeditor-token-core`; it prints the ratios
//! (target: at most 2) after criterion's own report.
//!
//! Each identity is measured in [`ROUNDS`] rounds, issuing and the bare HMAC taking turns, and
//! each side's ratio figure is its best round's mean. On a shared machine a burst of other work
//! during one measurement can move a ratio by a tenth or more; the best of rounds that take
//! turns leaves both sides the same chance of a quiet moment, as the adapters' load runs do.

#![expect(
    clippy::print_stdout,
    reason = "a benchmark reports on standard output"
)]

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use ckeditor_token_core::{Environment, FixedClock, Identity, Issuer, Role, atob};
use criterion::Criterion;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

const KEY: &str = "w1lnWEN63FPKxBNmxHN7WpfW2IoYVYca5moqIUKfWesL1Ykwv34iR5xwfWLy";

/// How many times each identity's issuing and bare HMAC are measured, taking turns.
const ROUNDS: usize = 3;

/// A typical collaboration identity, whose compact payload is already atob-safe.
fn plain_identity() -> Identity {
    Identity::builder("user-123")
        .name("Joe Doe")
        .email("joe.doe@example.com")
        .grant("*", Role::Writer)
        .build()
        .expect("identity")
}

/// An identity whose compact payload has `-` or `_` in base64url, which one space mends.
fn one_space_identity() -> Identity {
    writer_with_avatar(
        "user-456",
        "Zoë Ångström",
        "zoe@example.com",
        "https://cdn.example.com/avatars/zoe.png?size=96&v=3",
    )
}

/// A writer on every document, with a full profile.
fn writer_with_avatar(subject: &str, name: &str, email: &str, avatar: &str) -> Identity {
    Identity::builder(subject)
        .name(name)
        .email(email)
        .avatar(avatar)
        .grant("*", Role::Writer)
        .build()
        .expect("identity")
}

/// The compact JSON of the claims issued for `identity`, re-encoded from the token.
fn compact_claims(issuer: &Issuer, identity: &Identity) -> Vec<u8> {
    let token = issuer.collaboration(identity).expect("token");
    let payload = token
        .as_str()
        .split('.')
        .nth(1)
        .expect("three parts")
        .to_owned();
    let decoded = ckeditor_token_core::atob_decode(&payload).expect("atob");
    let json: serde_json::Value = serde_json::from_slice(&decoded).expect("JSON");
    json.to_string().into_bytes()
}

/// An identity whose compact payload no single space mends, but two spaces do.
fn two_space_identity() -> Identity {
    writer_with_avatar(
        "user-7",
        "Chloé Martin",
        "chloe.martin@example.com",
        "https://example.com/~chloe/photo.jpg",
    )
}

/// An identity whose compact payload no one or two spaces mend, so issuing runs the full search.
fn full_search_identity() -> Identity {
    writer_with_avatar(
        "user-789",
        "Zoë Ångström",
        "zoe@example.com",
        "https://img.example.com/~ana/a.png?s=96",
    )
}

/// `compact` with a space before each of the bytes at `places`, in order.
fn spaced(compact: &[u8], places: &[usize]) -> Vec<u8> {
    let mut text = compact.to_vec();
    for &at in places.iter().rev() {
        text.insert(at, b' ');
    }
    text
}

/// The positions of the quotes of `compact`, before which a space can go.
fn quotes(compact: &[u8]) -> Vec<usize> {
    (0..compact.len())
        .filter(|&at| compact[at] == b'"')
        .collect()
}

/// Whether one space before some string makes `compact` atob-safe.
fn one_space_mends(compact: &[u8]) -> bool {
    quotes(compact)
        .into_iter()
        .any(|at| atob::is_atob_safe(&spaced(compact, &[at])))
}

/// Whether two spaces, each before some string, make `compact` atob-safe.
fn two_spaces_mend(compact: &[u8]) -> bool {
    let quotes = quotes(compact);
    quotes.iter().enumerate().any(|(index, &first)| {
        quotes[index..]
            .iter()
            .any(|&second| atob::is_atob_safe(&spaced(compact, &[first, second])))
    })
}

/// A small deterministic generator (xorshift), so that the mix below is the same on every run.
struct Draws(u64);

impl Draws {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, choices: &[&'a str]) -> &'a str {
        choices[(self.next() % choices.len() as u64) as usize]
    }
}

/// An identity like those of a real user directory: IDs in three shapes, names from many
/// languages, work email addresses, and avatars from Gravatar, a CDN, a home folder and Google
/// (or none).
fn realistic_identity(draws: &mut Draws, index: u64) -> Identity {
    const NAMES: &[&str] = &[
        "Joe Doe",
        "Anna Müller",
        "Zoë Ångström",
        "José García",
        "François Dupont",
        "Łukasz Żółć",
        "Søren Kierkegaard",
        "Ana Lúcia",
        "Björn Ås",
        "Jan Novák",
        "Mary Smith",
        "John O'Brien",
        "Li Wei",
        "李伟",
        "佐藤 花子",
        "Ольга Иванова",
        "محمد علي",
        "Ahmet Yılmaz",
        "Nguyễn Văn An",
        "Chloé Martin",
        "Emma Johnson",
        "Olivia Brown",
        "Noah Davis",
        "Mateo Rossi",
        "Giulia Bianchi",
        "Antonín Dvořák",
        "Kåre Nilsen",
        "Zsófia Kovács",
        "Priya Sharma",
        "Kim Min-jun",
    ];
    const LOCALS: &[&str] = &["joe", "anna", "zoe", "jose", "f.dupont", "lukasz", "mary"];
    const DOMAINS: &[&str] = &["example.com", "company.co.uk", "mail.example.org"];
    let id = match draws.next() % 3 {
        0 => format!("user-{}", draws.next() % 100_000),
        1 => format!("{:016x}{:016x}", draws.next(), draws.next()),
        _ => (draws.next() % 10_000_000).to_string(),
    };
    let email = format!(
        "{}{}@{}",
        draws.pick(LOCALS),
        index % 97,
        draws.pick(DOMAINS)
    );
    let hex: String = (0..32)
        .map(|_| format!("{:x}", draws.next() % 16))
        .collect();
    let letters: String = (0..22)
        .map(|_| char::from(b'a' + (draws.next() % 26) as u8))
        .collect();
    let avatar = match draws.next() % 5 {
        0 => Some(format!(
            "https://www.gravatar.com/avatar/{hex}?s=96&d=identicon"
        )),
        1 => Some(format!(
            "https://cdn.example.com/avatars/{}.png",
            draws.next() % 100_000
        )),
        2 => Some(format!(
            "https://example.com/~{}/photo.jpg",
            draws.pick(LOCALS)
        )),
        3 => Some(format!(
            "https://lh3.googleusercontent.com/a/{letters}=s96-c"
        )),
        _ => None,
    };
    let mut builder = Identity::builder(id)
        .name(draws.pick(NAMES))
        .email(email)
        .grant("*", Role::Writer);
    if let Some(avatar) = avatar {
        builder = builder.avatar(avatar);
    }
    builder.build().expect("identity")
}

/// How the payloads of `count` realistic identities, issued at spread-out times, are made
/// readable by `atob()`: as they are, with one space, with two, or by the full search.
fn payload_mix(count: u64) -> [u64; 4] {
    let environment = Environment::new("LJRQ1bju55p6a47RwadH", KEY).expect("environment");
    let mut draws = Draws(0x9e37_79b9_7f4a_7c15);
    let mut mix = [0; 4];
    for index in 0..count {
        let now = 1_700_000_000 + draws.next() % 100_000_000;
        let issuer = Issuer::builder(environment.clone())
            .clock(FixedClock::at_unix_seconds(now))
            .build()
            .expect("issuer");
        let compact = compact_claims(&issuer, &realistic_identity(&mut draws, index));
        let kind = if atob::is_atob_safe(&compact) {
            0
        } else if one_space_mends(&compact) {
            1
        } else if two_spaces_mend(&compact) {
            2
        } else {
            3
        };
        mix[kind] += 1;
    }
    mix
}

fn signing_input(token: &str) -> String {
    token
        .rsplit_once('.')
        .map(|(input, _)| input.to_owned())
        .expect("three parts")
}

fn bench(c: &mut Criterion, issuer: &Issuer, label: &str, identity: &Identity) {
    let token = issuer.collaboration(identity).expect("token");
    let input = signing_input(token.as_str());
    let keyed = Hmac::<Sha256>::new_from_slice(KEY.as_bytes()).expect("key");
    let mut group = c.benchmark_group(label);
    for round in 1..=ROUNDS {
        group.bench_function(format!("issue-{round}"), |b| {
            b.iter(|| issuer.collaboration(black_box(identity)));
        });
        group.bench_function(format!("hmac-{round}"), |b| {
            b.iter(|| {
                let mut mac = keyed.clone();
                mac.update(black_box(input.as_bytes()));
                mac.finalize().into_bytes()
            });
        });
    }
    group.finish();
}

/// The lowest of criterion's mean estimates for `group/function-1` to `group/function-ROUNDS`,
/// in nanoseconds; `None` if a round has no estimate.
fn best_mean_ns(group: &str, function: &str) -> Option<f64> {
    (1..=ROUNDS)
        .map(|round| mean_ns(group, &format!("{function}-{round}")))
        .try_fold(f64::INFINITY, |best, mean| mean.map(|mean| best.min(mean)))
}

/// Criterion's mean estimate for `group/function`, in nanoseconds.
fn mean_ns(group: &str, function: &str) -> Option<f64> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let path = target
        .join("criterion")
        .join(group)
        .join(function)
        .join("new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json["mean"]["point_estimate"].as_f64()
}

fn main() {
    let environment = Environment::new("LJRQ1bju55p6a47RwadH", KEY).expect("environment");
    let issuer = Issuer::builder(environment)
        .clock(FixedClock::at_unix_seconds(1_648_807_662))
        .build()
        .expect("issuer");
    let plain = plain_identity();
    let one_space = one_space_identity();
    let compact_is_safe =
        |identity: &Identity| atob::is_atob_safe(&compact_claims(&issuer, identity));
    assert!(
        compact_is_safe(&plain),
        "the plain identity should not need the search"
    );
    let one_space_compact = compact_claims(&issuer, &one_space);
    assert!(
        !atob::is_atob_safe(&one_space_compact) && one_space_mends(&one_space_compact),
        "the one-space identity should need one space"
    );
    let two = two_space_identity();
    let two_compact = compact_claims(&issuer, &two);
    assert!(
        !atob::is_atob_safe(&two_compact)
            && !one_space_mends(&two_compact)
            && two_spaces_mend(&two_compact),
        "the two-space identity should need two spaces"
    );
    let full = full_search_identity();
    let full_compact = compact_claims(&issuer, &full);
    assert!(
        !atob::is_atob_safe(&full_compact) && !two_spaces_mend(&full_compact),
        "the full-search identity should need more than two spaces"
    );

    // Shorter measurements than criterion's defaults, as each is taken `ROUNDS` times; the
    // command line can still change them.
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    bench(&mut criterion, &issuer, "collaboration", &plain);
    bench(
        &mut criterion,
        &issuer,
        "collaboration-one-space",
        &one_space,
    );
    bench(&mut criterion, &issuer, "collaboration-two-spaces", &two);
    bench(&mut criterion, &issuer, "collaboration-full-search", &full);
    let compact = compact_claims(&issuer, &one_space);
    criterion.bench_function("atob_safe_json/one-space", |b| {
        b.iter(|| atob::atob_safe_json(black_box(&compact)));
    });
    criterion.final_summary();

    let count = 20_000;
    let [compact, once, twice, searched] = payload_mix(count);
    let share = |part: u64| part as f64 * 100.0 / count as f64;
    println!(
        "payload mix: of {count} realistic identities, {:.1}% of the payloads are safe as they \
         are, {:.1}% are mended with one space, {:.2}% with two spaces, and {:.2}% need the \
         full search",
        share(compact),
        share(once),
        share(twice),
        share(searched)
    );
    for group in [
        "collaboration",
        "collaboration-one-space",
        "collaboration-two-spaces",
        "collaboration-full-search",
    ] {
        if let (Some(issue), Some(hmac)) =
            (best_mean_ns(group, "issue"), best_mean_ns(group, "hmac"))
        {
            println!(
                "{group}: issue {issue:.0} ns, bare HMAC {hmac:.0} ns, ratio {:.2} (target <= 2)",
                issue / hmac
            );
        }
    }
}
