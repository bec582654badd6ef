//! Everything that reads git: opening a repository the way a hook must, refs and revisions,
//! the commit walk, the pack reader, the per-tree marker lists, and the local hooks' index
//! and config access.

pub mod local;
pub mod pack;
pub mod paths;
pub mod repo;
pub mod walk;
