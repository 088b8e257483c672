//! Helpers shared by the integration tests: validated widths and the naive
//! image sums that the cell-list code is checked against.

use particle_core::Axis;
use particle_core::kernels::Width;

/// A width from a test constant (always positive and finite).
pub fn width(eps: f64) -> Width {
    Width::new(eps).expect("test widths are positive and finite")
}

/// Images of one coordinate with their signs, far beyond any cut-off used in
/// the tests (unit-length axes): periodic copies, odd reflections at walls.
pub fn naive_images(axis: Axis, x: f64) -> Vec<(f64, f64)> {
    match axis {
        Axis::Free => vec![(x, 1.0)],
        Axis::Periodic { length } => (-4..=4).map(|k| (x + k as f64 * length, 1.0)).collect(),
        Axis::Walls { length } => (-3..=3)
            .flat_map(|k| {
                let s = 2.0 * k as f64 * length;
                [(x + s, 1.0), (-x + s, -1.0)]
            })
            .collect(),
    }
}

/// The four boundary combinations of the unit square: free, periodic,
/// walls, periodic × walls.
pub fn axes_of(kind: u8) -> [Axis; 2] {
    let p = Axis::Periodic { length: 1.0 };
    let w = Axis::Walls { length: 1.0 };
    match kind {
        0 => [Axis::Free, Axis::Free],
        1 => [p, p],
        2 => [w, w],
        _ => [p, w],
    }
}

/// A reproducible stream of uniform numbers in `[0, 1)` (a 64-bit LCG), for
/// test data that needs no statistical quality.
pub fn uniform(seed: u64) -> impl FnMut() -> f64 {
    let mut s = seed;
    move || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (s >> 11) as f64 / (1u64 << 53) as f64
    }
}
