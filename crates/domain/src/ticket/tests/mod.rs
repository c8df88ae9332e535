//! Tests of the ticket state machine: commands one by one, deadline arithmetic, and
//! properties over random command sequences.

mod available;
mod deadlines;
mod handling;
mod lifecycle;
mod prop;
mod reviews;
mod support;
