//! The base of the house: what every stage reads and none owns. A list item as the rules
//! see it ([`Inst`]), the target's unfiltered list ([`Baseline`]) and timestamp parsing.
//! Nothing here imports a stage; the contract description says which members of
//! an item are read, through a [`Layout`].

mod inst;
mod moves;
pub mod rng;
pub mod time;

pub use inst::{Baseline, Inst, Layout, OrderSpec};
pub use moves::{Move, Moves, Sighting};
pub use rng::Rng;
