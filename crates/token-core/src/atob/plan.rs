//! The strings of a payload that hold risky characters, cut into pieces, and the exact search
//! over them: a dynamic program on the cost of each state, for any number of extra bytes.

use super::{flag_after, is_risky_byte, run, unicode_escape};

pub(super) const INFINITY: u32 = u32::MAX / 4;

/// A piece of a risky string's contents, searched as one step.
#[derive(Debug, Clone, Copy)]
pub(super) enum Piece {
    /// Bytes that are safe in every state: ASCII other than the risky characters, including
    /// compact escapes such as `\"`. Up to two of its `/`s (`slashes`) may be written as `\/`,
    /// each moving what follows on by one byte; escaping more would only add bytes.
    Plain { slashes: u8 },
    /// A risky character, written raw or as a `\u` escape of `escape_len` bytes whose last hex
    /// digit is `last_hex`.
    Risky { escape_len: u8, last_hex: u8 },
}

/// One piece, with the search's back-pointers and decision for it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Unit {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) piece: Piece,
    /// For each state after the piece: the state before it times four, plus the choice taken.
    back: [u8; 6],
    /// The chosen encoding: for plain bytes, how many of their `/`s (the first ones) become
    /// `\/`; for a risky character, 1 if it is escaped.
    pub(super) choice: u8,
}

/// A string with risky characters, with the search's back-pointers and decisions for it.
#[derive(Debug)]
pub(super) struct RiskyString {
    pub(super) open: usize,
    pub(super) close: usize,
    pub(super) units: std::ops::Range<usize>,
    /// For each offset after the spaces before the string, the offset before them.
    spaces_from: [u8; 3],
    /// For each offset after the closing quote, the state before that quote.
    closing_from: [u8; 3],
    /// How many spaces the chosen encoding puts before the string.
    pub(super) spaces: u8,
}

/// The strings with risky characters of a compact JSON text, cut into pieces, and the search
/// over them.
///
/// Offsets are the extra bytes written so far, modulo 3: a byte at compact position `i` lands
/// at phase `(i + offset) % 3`.
#[derive(Debug)]
pub(super) struct Plan<'a> {
    pub(super) json: &'a [u8],
    pub(super) strings: Vec<RiskyString>,
    pub(super) units: Vec<Unit>,
}

fn phase_of(position: usize, offset: u8) -> u8 {
    ((position + usize::from(offset)) % 3) as u8
}

fn offset_of(position: usize, phase: u8) -> u8 {
    ((usize::from(phase) + 3 - position % 3) % 3) as u8
}

impl<'a> Plan<'a> {
    /// Cuts the strings between the given quote positions into pieces. `None` if one is not
    /// UTF-8.
    pub(super) fn new(json: &'a [u8], spans: &[(usize, usize)]) -> Option<Self> {
        let mut plan = Plan {
            json,
            strings: Vec::with_capacity(spans.len()),
            units: Vec::with_capacity(spans.iter().map(|(open, close)| close - open).sum()),
        };
        for &(open, close) in spans {
            let first = plan.units.len();
            plan.cut(open + 1, close)?;
            plan.strings.push(RiskyString {
                open,
                close,
                units: first..plan.units.len(),
                spaces_from: [0; 3],
                closing_from: [0; 3],
                spaces: 0,
            });
        }
        Some(plan)
    }

    fn push(&mut self, start: usize, end: usize, piece: Piece) {
        self.units.push(Unit {
            start,
            end,
            piece,
            back: [0; 6],
            choice: 0,
        });
    }

    fn cut(&mut self, start: usize, end: usize) -> Option<()> {
        let json = self.json;
        let mut at = start;
        let mut plain_from = start;
        let mut slashes = 0u8;
        while at < end {
            // Skip to the next escape or risky byte, counting the slashes on the way.
            let skip = json[at..end]
                .iter()
                .position(|&b| b == b'\\' || is_risky_byte(b))
                .unwrap_or(end - at);
            let passed = json[at..at + skip].iter().filter(|&&b| b == b'/').count();
            slashes = (usize::from(slashes) + passed).min(2) as u8;
            at += skip;
            if at == end {
                break;
            }
            let byte = json[at];
            if byte == b'\\' {
                at += if json.get(at + 1) == Some(&b'u') {
                    6
                } else {
                    2
                };
                continue;
            }
            let len = match byte {
                0xc0..=0xdf => 2,
                0xe0..=0xef => 3,
                0xf0..=0xf7 => 4,
                _ => 1,
            };
            // A character's low four bits are the low four bits of its last UTF-8 byte, and the
            // last hex digit of its escape (a low surrogate keeps them too).
            let last = *json.get(at + len - 1)?;
            let last_hex = b"0123456789abcdef"[usize::from(last & 15)];
            let escape_len = if len == 4 { 12 } else { 6 };
            if plain_from < at {
                self.push(plain_from, at, Piece::Plain { slashes });
            }
            self.push(
                at,
                at + len,
                Piece::Risky {
                    escape_len,
                    last_hex,
                },
            );
            at += len;
            plain_from = at;
            slashes = 0;
        }
        if plain_from < end {
            self.push(plain_from, end, Piece::Plain { slashes });
        }
        Some(())
    }

    /// Runs the dynamic program and records the cheapest encoding's decisions.
    pub(super) fn search(&mut self) {
        let mut cost = [0, INFINITY, INFINITY];
        for index in 0..self.strings.len() {
            cost = self.spaces(index, cost);
            cost = self.string(index, cost);
        }
        self.decide(argmin(&cost));
    }

    /// Up to two spaces before a risky string; fewer spaces win ties.
    fn spaces(&mut self, index: usize, cost: [u32; 3]) -> [u32; 3] {
        let mut next = [INFINITY; 3];
        let from = &mut self.strings[index].spaces_from;
        for spaces in 0..3u8 {
            for before in 0..3u8 {
                let after = usize::from((before + spaces) % 3);
                let total = cost[usize::from(before)] + u32::from(spaces);
                if total < next[after] {
                    next[after] = total;
                    from[after] = before;
                }
            }
        }
        next
    }

    fn string(&mut self, index: usize, cost: [u32; 3]) -> [u32; 3] {
        let (open, close, units) = {
            let string = &self.strings[index];
            (string.open, string.close, string.units.clone())
        };
        // After the opening quote: the phase moves on by one and the flag is clear.
        let mut states = [INFINITY; 6];
        for offset in 0..3u8 {
            let phase = (phase_of(open, offset) + 1) % 3;
            states[usize::from(phase * 2)] = cost[usize::from(offset)];
        }
        for unit in &mut self.units[units] {
            states = step_unit(unit, &self.json[unit.start..unit.end], &states);
        }
        // The closing quote is safe in every state.
        let mut next = [INFINITY; 3];
        let closing_from = &mut self.strings[index].closing_from;
        for state in 0..6u8 {
            let offset = usize::from(offset_of(close + 1, ((state >> 1) + 1) % 3));
            if states[usize::from(state)] < next[offset] {
                next[offset] = states[usize::from(state)];
                closing_from[offset] = state;
            }
        }
        next
    }

    /// Walks the back-pointers from the cheapest end.
    fn decide(&mut self, mut offset: u8) {
        for string in self.strings.iter_mut().rev() {
            let mut state = string.closing_from[usize::from(offset)];
            for unit in self.units[string.units.clone()].iter_mut().rev() {
                let back = unit.back[usize::from(state)];
                unit.choice = back & 3;
                state = back >> 2;
            }
            let after_spaces = offset_of(string.open + 1, state >> 1);
            let before_spaces = string.spaces_from[usize::from(after_spaces)];
            string.spaces = (after_spaces + 3 - before_spaces) % 3;
            offset = before_spaces;
        }
    }

    /// Writes the compact form with the recorded decisions applied.
    pub(super) fn emit(&self) -> Vec<u8> {
        let json = self.json;
        let mut out = Vec::with_capacity(json.len() + 8 * self.strings.len());
        let mut copied = 0;
        let mut buffer = [0u8; 12];
        for string in &self.strings {
            out.extend_from_slice(&json[copied..string.open]);
            out.extend(std::iter::repeat_n(b' ', usize::from(string.spaces)));
            copied = string.open;
            for unit in self.units[string.units.clone()]
                .iter()
                .filter(|unit| unit.choice > 0)
            {
                out.extend_from_slice(&json[copied..unit.start]);
                let raw = &json[unit.start..unit.end];
                match unit.piece {
                    Piece::Plain { .. } => {
                        // The first `choice` slashes become `\/`.
                        let mut escapes = unit.choice;
                        for &byte in raw {
                            if byte == b'/' && escapes > 0 {
                                out.push(b'\\');
                                escapes -= 1;
                            }
                            out.push(byte);
                        }
                    }
                    Piece::Risky { .. } => {
                        let c = std::str::from_utf8(raw)
                            .ok()
                            .and_then(|text| text.chars().next());
                        match c {
                            Some(c) => out.extend_from_slice(unicode_escape(c, &mut buffer)),
                            None => out.extend_from_slice(raw),
                        }
                    }
                }
                copied = unit.end;
            }
        }
        out.extend_from_slice(&json[copied..]);
        out
    }
}

/// Moves the state costs over one piece, recording back-pointers in it.
fn step_unit(unit: &mut Unit, bytes: &[u8], states: &[u32; 6]) -> [u32; 6] {
    let mut next = [INFINITY; 6];
    let back = &mut unit.back;
    let mut offer = |state: u8, after: u8, total: u32, choice: u8| {
        if total < next[usize::from(after)] {
            next[usize::from(after)] = total;
            back[usize::from(after)] = state * 4 + choice;
        }
    };
    // The state after `len` safe bytes ending in `last`, from `phase`.
    let after = |phase: u8, len: usize, last: u8| {
        let phase = ((usize::from(phase) + len) % 3) as u8;
        phase * 2 + flag_after(last, phase)
    };
    match unit.piece {
        Piece::Plain { slashes } => {
            // Plain bytes are safe whatever the flag, so only the cheaper of each phase's two
            // states goes on. An escaped `/` still ends in `/`, so the last byte stays.
            let last = bytes[bytes.len() - 1];
            for phase in 0..3u8 {
                let (clear, flagged) = (phase * 2, phase * 2 + 1);
                let state = if states[usize::from(flagged)] < states[usize::from(clear)] {
                    flagged
                } else {
                    clear
                };
                let before = states[usize::from(state)];
                if before < INFINITY {
                    for shift in 0..=slashes {
                        let len = bytes.len() + usize::from(shift);
                        offer(
                            state,
                            after(phase, len, last),
                            before + u32::from(shift),
                            shift,
                        );
                    }
                }
            }
        }
        Piece::Risky {
            escape_len,
            last_hex,
        } => {
            let extra = u32::from(escape_len) - bytes.len() as u32;
            for state in 0..6u8 {
                let before = states[usize::from(state)];
                if before < INFINITY {
                    if let Some(raw) = run(state, bytes) {
                        offer(state, raw, before, 0);
                    }
                    offer(state, after(state >> 1, 0, last_hex), before + extra, 1);
                }
            }
        }
    }
    next
}

fn argmin(cost: &[u32; 3]) -> u8 {
    let mut best = 0;
    for offset in 1..3 {
        if cost[offset] < cost[best] {
            best = offset;
        }
    }
    best as u8
}
