//! yihaotai's domain: the words of DESIGN.md as types, and the pure rules over them.
//! Nothing here performs I/O or reads the clock; time is always passed in.

pub mod agency;
pub mod area;
pub mod crosscheck;
pub mod demo;
pub mod household;
pub mod ids;
pub mod linkage;
pub mod person;
pub mod role;
pub mod search;
pub mod ticket;
pub mod triage;
pub mod vocab;

pub use ids::*;
