//! Published statistics, pure: a table of counts per period broken down
//! by the dimensions asked for ([`table`](mod@table)), statistical disclosure control
//! over it ([`disclosure`]), and the files a statistics office loads
//! ([`export`]), and what crosses to a neighbouring country's system for a
//! twin pair ([`liaison`]). The counts come from the statistics store; nothing here
//! reads Kafka or a clock.

pub mod disclosure;
pub mod export;
pub mod liaison;
pub mod table;

pub use disclosure::protect;
pub use table::{Row, Status, table};
