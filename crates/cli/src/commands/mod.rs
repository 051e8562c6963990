//! One module per subcommand.

pub mod cluster;
pub mod demo;
pub mod features;
pub mod info;
pub mod key;
pub mod notes;
pub mod plot;
pub mod predict;
pub mod report;
pub mod shell;
pub mod similar;
