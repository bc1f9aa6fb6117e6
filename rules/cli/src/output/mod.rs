//! Report formats.

pub mod json;
pub mod junit;
pub mod sarif;
pub mod text;
