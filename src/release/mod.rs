//! The Supabase release: the pinned chart's checkout, the values (loaded, decrypted, checked
//! against the chart), helm, the registry pull secret, the deploy with its wait and probe, and what
//! a running stack offers its user.

pub mod chart;
pub mod deploy;
pub mod helm;
pub mod names;
pub mod registry;
pub mod stack;
pub mod values;
