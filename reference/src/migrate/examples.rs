//! Hand-picked cases, frozen as golden vectors by `vectors regen`.

use crate::contract::Example;

pub fn examples() -> Vec<Example> {
    Vec::new()
}
