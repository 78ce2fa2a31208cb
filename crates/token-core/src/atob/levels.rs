//! The fast search for the common case: a safe encoding at most seven bytes longer than the
//! compact form (one or two spaces, a `\/`, an escape or two).
//!
//! It tracks which `(state, extra bytes)` pairs are reachable, as the bits of one `u64`: bit
//! `extra * 8 + state`, for `extra` from 0 to 7. A piece then moves every reachable pair in a
//! handful of shifts and masks. The first extra count reachable at the end is the shortest
//! encoding's; walking back over the recorded sets gives its decisions. When no encoding within
//! seven extra bytes exists, the caller falls back to the unbounded search in
//! [`super::plan`], which finds the same length.

use super::plan::{Piece, Plan};
use super::{State, flag_after, run};

/// Extra byte counts tracked: 0 to 7.
const LEVELS: u32 = 8;
/// Bit 0 of every level's byte.
const LANE: u64 = 0x0101_0101_0101_0101;

/// Reachable `(state, extra)` pairs, as bits `extra * 8 + state`.
type Reach = u64;

/// One step of the search, in order.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// Compact bytes between two risky strings (or before the first): `len` of them, ending in
    /// `last`; all safe everywhere.
    Gap { len: usize, last: u8 },
    /// Zero, one or two spaces before risky string `string`.
    Spaces { string: usize },
    /// A quote that opens or closes a risky string.
    Quote,
    /// Piece `unit` of a risky string.
    Unit { unit: usize },
}

/// `len` bytes that are safe in every state, ending in `last`, written with `extra` more bytes
/// than the compact form.
fn neutral(reach: Reach, len: usize, last: u8, extra: u32) -> Reach {
    if extra >= LEVELS {
        return 0;
    }
    let mut next = 0;
    for phase in 0..3u8 {
        let here = ((reach >> (2 * phase)) | (reach >> (2 * phase + 1))) & LANE;
        let after = ((usize::from(phase) + len) % 3) as u8;
        next |= here << (after * 2 + flag_after(last, after));
    }
    next << (8 * extra)
}

/// Bytes written as they are, which may fail in some states.
fn raw(reach: Reach, bytes: &[u8]) -> Reach {
    let mut next = 0;
    for state in 0..6u8 {
        if let Some(after) = run(state, bytes) {
            next |= ((reach >> state) & LANE) << after;
        }
    }
    next
}

/// The ways through a step, in order of preference: `(extra bytes, alternative taken)` and the
/// reachable set after it.
fn ways(plan: &Plan<'_>, step: Step, reach: Reach) -> [(u32, Reach); 3] {
    match step {
        Step::Gap { len, last } => [(0, neutral(reach, len, last, 0)), (0, 0), (0, 0)],
        Step::Spaces { .. } => [
            (0, reach),
            (1, neutral(reach, 1, b' ', 1)),
            (2, neutral(reach, 2, b' ', 2)),
        ],
        Step::Quote => [(0, neutral(reach, 1, b'"', 0)), (0, 0), (0, 0)],
        Step::Unit { unit } => {
            let unit = &plan.units[unit];
            let bytes = &plan.json[unit.start..unit.end];
            match unit.piece {
                Piece::Plain => [
                    (0, neutral(reach, bytes.len(), bytes[bytes.len() - 1], 0)),
                    (0, 0),
                    (0, 0),
                ],
                Piece::Slash => [
                    (0, neutral(reach, 1, b'/', 0)),
                    (1, neutral(reach, 2, b'/', 1)),
                    (0, 0),
                ],
                Piece::Risky {
                    escape_len,
                    last_hex,
                } => {
                    let extra = u32::from(escape_len) - bytes.len() as u32;
                    let escaped = neutral(reach, usize::from(escape_len), last_hex, extra);
                    [(0, raw(reach, bytes)), (extra, escaped), (0, 0)]
                }
            }
        }
    }
}

fn steps(plan: &Plan<'_>) -> Vec<Step> {
    let mut steps = Vec::with_capacity(plan.units.len() + 4 * plan.strings.len());
    let mut position = 0;
    for (index, string) in plan.strings.iter().enumerate() {
        if string.open > position {
            let (len, last) = (string.open - position, plan.json[string.open - 1]);
            steps.push(Step::Gap { len, last });
        }
        steps.push(Step::Spaces { string: index });
        steps.push(Step::Quote);
        steps.extend(string.units.clone().map(|unit| Step::Unit { unit }));
        steps.push(Step::Quote);
        position = string.close + 1;
    }
    steps
}

/// Finds the shortest safe encoding if it is at most seven bytes longer than the compact form,
/// and records its decisions in `plan`. Returns whether it found one.
pub(super) fn search(plan: &mut Plan<'_>) -> bool {
    let steps = steps(plan);
    let mut before = Vec::with_capacity(steps.len());
    let mut reach: Reach = 1;
    for &step in &steps {
        before.push(reach);
        reach = ways(plan, step, reach)
            .iter()
            .fold(0, |all, &(_, next)| all | next);
    }
    if reach == 0 {
        return false;
    }
    let level = reach.trailing_zeros() / 8;
    let mut state = ((reach >> (8 * level)) & 0xff).trailing_zeros() as State;
    let mut level = level;

    for (&step, &reach) in steps.iter().zip(&before).rev() {
        let (previous, extra, way) = predecessor(plan, step, reach, state, level);
        match step {
            Step::Spaces { string } => plan.strings[string].spaces = extra as u8,
            Step::Unit { unit } => plan.units[unit].alternative = way == 1,
            Step::Gap { .. } | Step::Quote => {}
        }
        state = previous;
        level -= extra;
    }
    true
}

/// The state, extra bytes and way (index into [`ways`]) by which `(state, level)` was reached
/// over `step` from the set `reach`: the first way in order of preference, from the lowest
/// state.
fn predecessor(
    plan: &Plan<'_>,
    step: Step,
    reach: Reach,
    state: State,
    level: u32,
) -> (State, u32, usize) {
    let target = 1u64 << (level * 8 + u32::from(state));
    for previous in 0..6u8 {
        for (way, &(extra, _)) in ways(plan, step, 0).iter().enumerate() {
            if extra > level {
                continue;
            }
            let from = 1u64 << ((level - extra) * 8 + u32::from(previous));
            if reach & from != 0 && ways(plan, step, from)[way].1 & target != 0 {
                return (previous, extra, way);
            }
        }
    }
    unreachable!("every reachable pair has a predecessor")
}
