//! ICAO Doc 9303 machine-readable zones: reading, checking and writing them.
//!
//! A zone is two or three lines of the characters `A`–`Z`, `0`–`9` and the
//! filler `<`. Five layouts exist: TD1 identity cards (3 × 30), TD2 cards
//! (2 × 36), TD3 passports (2 × 44) and the two visa sizes MRV-A (2 × 44) and
//! MRV-B (2 × 36). [`validate`] detects the layout, checks every field and
//! every check digit, and returns a [`Report`] that borrows its fields from the
//! input; a valid zone costs no allocation. Problems come back as
//! [`Finding`]s naming the field and the 1-based line and position, all of
//! them, never only the first.
//!
//! Beyond shape and check digits, two checks catch what no check digit
//! covers. The issuing state and the nationality must be codes that exist:
//! ISO 3166-1 alpha-3 ([`crate::country::ALPHA_3`], dated there) or a code
//! of Doc 9303 Part 3 ([`SPECIAL_CODES`]: `D`, `GBN`, `XXA`, `UNO`…); any
//! other code, Utopia (`UTO`) of the Doc 9303 specimens included, is an
//! [`Problem::InvalidCode`] at the code's first position. And the name must
//! end with its fillers: a letter after the run of fillers that closes the
//! name is an [`Problem::InvalidValue`] at that letter (`names.rs` states the
//! rule; cut names and single fillers between parts pass).
//!
//! [`write()`] is the inverse, from a [`DocumentSpec`]; [`DocumentSpec::random`]
//! and [`corrupt`] feed the simulator, the property tests and the benches with
//! the same data.
//!
//! Start reading at [`validate`]; the field positions of every layout are in
//! one table (`layout.rs`), so the reader and the writer cannot disagree.

mod charset;
mod check;
mod codes;
mod corrupt;
mod date;
mod finding;
mod generate;
mod layout;
mod misread;
mod names;
mod number;
mod report;
mod validate;
mod write;
mod zone;

#[cfg(test)]
mod tests;

pub use charset::char_value;
pub use check::check_digit;
pub use codes::{SPECIAL_CODES, special_code};
pub use corrupt::{Corruption, corrupt};
pub use finding::{Field, Finding, Problem};
pub use generate::DocumentSpec;
pub use layout::Format;
pub use misread::misread;
pub use names::name_text;
pub use report::{Report, Sex};
pub use validate::validate;
pub use write::{WriteError, write};
