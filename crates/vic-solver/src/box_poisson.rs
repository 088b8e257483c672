//! The Poisson solve of the stress-free box `[0, L]^2` by sine and cosine
//! series on the box itself.
//!
//! With `n` cells of side `l = L / n` and the interior nodal vorticity
//! `w_ij` (the wall values are zero: P2M with odd images puts nothing
//! there),
//!
//! ```text
//! w_ij  = sum_{k,q=1}^{n-1} W_kq sin(pi k i / n) sin(pi q j / n),
//! W_kq  = (2/n)^2 sum_{i,j=1}^{n-1} w_ij sin(pi k i / n) sin(pi q j / n),
//! psi   = sum W_kq / (a_k^2 + a_q^2) sin(a_k x) sin(a_q y),      a_k = pi k / L,
//! u     =  d psi/dy = sum W_kq a_q / (a_k^2 + a_q^2) sin(a_k x) cos(a_q y),
//! v     = -d psi/dx = -sum W_kq a_k / (a_k^2 + a_q^2) cos(a_k x) sin(a_q y),
//! ```
//!
//! which is the odd continuation's Fourier solution of [`crate::poisson`]
//! written in the box's own basis (its Nyquist mode vanishes for an odd
//! sequence): the same numbers to rounding, tested against the textbook
//! complex solve. Each series is a type-I sine (DST) or cosine (DCT)
//! transform along one axis, computed by the FFT of its odd or even
//! continuation of length `2n`, and **two real lines per complex FFT**: for
//! an odd real line `A` the FFT is `-2i S_A`, for an even one `2 C_A`
//! (real), so the FFT of `A + iB` holds `2 S_B - 2i S_A`, or `2 C_A +
//! 2i C_B`, and both transforms are read off with no post-processing. Six
//! passes over `(n + 1)^2` real arrays (about 3 `n` FFTs of length `2n`
//! with walls, against the `5 n` on the `2n`-periodic complex square),
//! each writing its lines transposed when the next pass runs along the
//! other axis; pairs of lines that are entirely zero (rows outside the
//! vortices) are not transformed.

use std::ops::Range;
use std::sync::Arc;

use rustfft::num_complex::Complex;
use rustfft::{Fft, FftPlanner};

/// The continuation a pass transforms: odd (a sine series, zero at both
/// ends) or even (a cosine series).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Parity {
    Odd,
    Even,
}

/// Where a pass writes line `r`'s coefficient `k`: at `r + w k` (the
/// transpose, for a next pass along the other axis) or `k + w r`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    Transposed,
    Same,
}

/// An FFT of length `2n` with its line and scratch buffers.
struct Lines {
    n: usize,
    fft: Arc<dyn Fft<f64>>,
    line: Vec<Complex<f64>>,
    scratch: Vec<Complex<f64>>,
    /// `n + 1` zeros: the lines outside a pass's rows.
    zeros: Vec<f64>,
}

impl Lines {
    /// The type-I transform of the lines `rows` of `src` (`n + 1` values
    /// each; an odd line's end values are ignored) into `dst`, twice the
    /// sums of the module doc: `2 S_k` for `k = 1..n` (0 at `k = 0, n`) or
    /// `2 C_k` for `k = 0..=n` (an even line's ends are zero wherever this
    /// module uses one). Lines outside `rows` are zero.
    fn pass(
        &mut self,
        parity: Parity,
        src: &[f64],
        rows: Range<usize>,
        dst: &mut [f64],
        layout: Layout,
    ) {
        let n = self.n;
        let w = n + 1;
        let sign = if parity == Parity::Odd { -1.0 } else { 1.0 };
        let zeros = &self.zeros[..];
        let line_of = |r: usize| {
            if r < w && rows.contains(&r) {
                &src[r * w..(r + 1) * w]
            } else {
                zeros
            }
        };
        for r0 in (0..w).step_by(2) {
            let r1 = r0 + 1;
            let (a, b) = (line_of(r0), line_of(r1));
            let line = &mut self.line;
            if a.iter().chain(b).all(|&x| x == 0.0) {
                line[..w].fill(Complex::new(0.0, 0.0));
            } else {
                let (head, tail) = line.split_at_mut(w);
                // tail[n - 1 - i] is node 2n - i.
                for (i, ((h, &x), &y)) in head.iter_mut().zip(a).zip(b).enumerate() {
                    let z = Complex::new(x, y);
                    *h = z;
                    if i > 0 && i < n {
                        tail[n - 1 - i] = z * sign;
                    }
                }
                if parity == Parity::Odd {
                    head[0] = Complex::new(0.0, 0.0);
                    head[n] = Complex::new(0.0, 0.0);
                }
                self.fft.process_with_scratch(line, &mut self.scratch);
                if parity == Parity::Odd {
                    // 2 S_B - 2i S_A: line A's transform is minus the
                    // imaginary part, line B's the real part.
                    for z in &mut line[1..n] {
                        *z = Complex::new(-z.im, z.re);
                    }
                    line[0] = Complex::new(0.0, 0.0);
                    line[n] = Complex::new(0.0, 0.0);
                }
            }
            // Line r0 is the real part, line r1 the imaginary part.
            let out = &line[..w];
            match layout {
                Layout::Same => {
                    let (first, second) = dst[r0 * w..].split_at_mut(w);
                    for (d, z) in first.iter_mut().zip(out) {
                        *d = z.re;
                    }
                    if r1 < w {
                        for (d, z) in second[..w].iter_mut().zip(out) {
                            *d = z.im;
                        }
                    }
                }
                Layout::Transposed => {
                    for (row, z) in dst.chunks_exact_mut(w).zip(out) {
                        row[r0] = z.re;
                        if r1 < w {
                            row[r1] = z.im;
                        }
                    }
                }
            }
        }
    }
}

/// Plans and buffers of the box solve for `n` cells per side.
pub(crate) struct BoxPoisson {
    lines: Lines,
    /// `(n + 1)^2` work arrays.
    arrays: [Vec<f64>; 4],
    /// `a_q / (a_k^2 + a_q^2)` and `a_k / (a_k^2 + a_q^2)` at `q + w k`,
    /// times the normalisation of the four passes (`(2/n)^2 / 16`).
    to_u: Vec<f64>,
    to_v: Vec<f64>,
}

impl BoxPoisson {
    /// Plans and buffers for `n >= 1` cells of side `spacing`.
    pub(crate) fn new(n: usize, spacing: f64) -> Self {
        let (w, m) = (n + 1, 2 * n);
        let fft = FftPlanner::new().plan_fft_forward(m);
        let scratch = vec![Complex::new(0.0, 0.0); fft.get_inplace_scratch_len()];
        let a = |k: usize| std::f64::consts::PI * k as f64 / (n as f64 * spacing);
        let norm = 1.0 / (4.0 * (n * n) as f64);
        let factor = |k: usize, q: usize, own: usize| {
            if k == 0 || q == 0 || k == n || q == n {
                0.0
            } else {
                norm * a(own) / (a(k).powi(2) + a(q).powi(2))
            }
        };
        BoxPoisson {
            lines: Lines {
                n,
                fft,
                line: vec![Complex::new(0.0, 0.0); m],
                scratch,
                zeros: vec![0.0; w],
            },
            arrays: std::array::from_fn(|_| vec![0.0; w * w]),
            to_u: (0..w * w)
                .map(|at| factor(at / w, at % w, at % w))
                .collect(),
            to_v: (0..w * w)
                .map(|at| factor(at / w, at % w, at / w))
                .collect(),
        }
    }

    /// The velocity of the nodal vorticity `omega` (`(n + 1)^2` nodes, x
    /// fastest) on the box's nodes with a one-node halo of the
    /// continuation beyond each wall ([`with_halo`]): `u` (odd in x about
    /// the walls, even in y) and `v` (even in x, odd in y), `(n + 3)^2`
    /// nodes each.
    pub(crate) fn velocity(&mut self, omega: &[f64], u: &mut [f64], v: &mut [f64]) {
        let n = self.lines.n;
        let w = n + 1;
        let interior = 1..n;
        let [s0, s1, s2, s3] = &mut self.arrays;
        // 4 W (each pass doubles): sine along x (rows j), then along y.
        self.lines
            .pass(Parity::Odd, omega, interior.clone(), s0, Layout::Transposed);
        self.lines
            .pass(Parity::Odd, s0, interior.clone(), s1, Layout::Same);
        // U and V at q + w k.
        for ((w_kq, (to_u, to_v)), (u_kq, v_kq)) in s1
            .iter()
            .zip(self.to_u.iter().zip(&self.to_v))
            .zip(s2.iter_mut().zip(s3.iter_mut()))
        {
            *u_kq = w_kq * to_u;
            *v_kq = -w_kq * to_v;
        }
        // Along y (cosine for u, sine for v) for each k, then along x.
        self.lines
            .pass(Parity::Even, s2, interior.clone(), s0, Layout::Transposed);
        self.lines
            .pass(Parity::Odd, s3, interior, s1, Layout::Transposed);
        self.lines.pass(Parity::Odd, s0, 0..w, s2, Layout::Same);
        self.lines.pass(Parity::Even, s1, 0..w, s3, Layout::Same);
        with_halo(s2, n, u, Parity::Odd, Parity::Even);
        with_halo(s3, n, v, Parity::Even, Parity::Odd);
    }
}

/// The box values `inside` (`(n + 1)^2`, nodes `0..=n`) with a one-node
/// halo of their continuation (odd or even about the walls along x and
/// along y) on the `(n + 3)`-periodic layout `out`: node `i` of `-1..=n + 1`
/// at index `i mod (n + 3)` (so node `-1` is index `n + 2`), which is all
/// that the `M4'` stencil of a point in the box reaches (node `n + 2`, at
/// the far wall itself, with weight 0).
fn with_halo(inside: &[f64], n: usize, out: &mut [f64], along_x: Parity, along_y: Parity) {
    let (w, p) = (n + 1, n + 3);
    let sign = |parity: Parity| if parity == Parity::Odd { -1.0 } else { 1.0 };
    let (sx, sy) = (sign(along_x), sign(along_y));
    for (jj, row) in out.chunks_exact_mut(p).enumerate() {
        // Row `jj` is node `n + 1` (beyond the far wall, the mirror of
        // `n - 1`) or `-1` (the mirror of 1) past the box's rows.
        let (j, s) = match jj {
            jj if jj <= n => (jj, 1.0),
            jj if jj == n + 1 => (n - 1, sy),
            _ => (1, sy),
        };
        let source = &inside[j * w..(j + 1) * w];
        for (o, &x) in row[..w].iter_mut().zip(source) {
            *o = s * x;
        }
        row[n + 1] = s * sx * source[n - 1];
        row[n + 2] = s * sx * source[1];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    /// `(u, v)` on the box nodes by the series of the module doc, summed
    /// term by term (`O(n^4)`).
    fn series(n: usize, spacing: f64, omega: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let w = n + 1;
        let a = |k: usize| PI * k as f64 / (n as f64 * spacing);
        let s = |k: usize, i: usize| (PI * (k * i) as f64 / n as f64).sin();
        let c = |k: usize, i: usize| (PI * (k * i) as f64 / n as f64).cos();
        let mut coefficients = vec![0.0; w * w];
        for k in 1..n {
            for q in 1..n {
                let mut sum = 0.0;
                for j in 1..n {
                    for i in 1..n {
                        sum += omega[i + w * j] * s(k, i) * s(q, j);
                    }
                }
                coefficients[q + w * k] = (2.0 / n as f64).powi(2) * sum;
            }
        }
        let (mut u, mut v) = (vec![0.0; w * w], vec![0.0; w * w]);
        for j in 0..w {
            for i in 0..w {
                for k in 1..n {
                    for q in 1..n {
                        let psi = coefficients[q + w * k] / (a(k).powi(2) + a(q).powi(2));
                        u[i + w * j] += psi * a(q) * s(k, i) * c(q, j);
                        v[i + w * j] -= psi * a(k) * c(k, i) * s(q, j);
                    }
                }
            }
        }
        (u, v)
    }

    /// The box part (`(n + 1)^2` nodes) of a field with its halo.
    fn box_part(n: usize, field: &[f64]) -> Vec<f64> {
        (0..(n + 1) * (n + 1))
            .map(|at| field[at % (n + 1) + (n + 3) * (at / (n + 1))])
            .collect()
    }

    fn solve(n: usize, spacing: f64, omega: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let nodes = (n + 3) * (n + 3);
        let (mut u, mut v) = (vec![f64::NAN; nodes], vec![f64::NAN; nodes]);
        BoxPoisson::new(n, spacing).velocity(omega, &mut u, &mut v);
        (u, v)
    }

    #[test]
    fn the_transforms_equal_the_series_summed_term_by_term() {
        let mut uniform = crate::test_uniform(5u64);
        let mut rnd = move || uniform() - 0.5;
        for n in [2, 5, 8, 11] {
            let w = n + 1;
            let omega: Vec<f64> = (0..w * w)
                .map(|at| {
                    let (i, j) = (at % w, at / w);
                    if i == 0 || j == 0 || i == n || j == n {
                        0.0
                    } else {
                        rnd()
                    }
                })
                .collect();
            let (u, v) = solve(n, 0.3, &omega);
            let (su, sv) = series(n, 0.3, &omega);
            let scale = su.iter().chain(&sv).fold(0.0_f64, |m, x| m.max(x.abs()));
            for (got, want) in box_part(n, &u)
                .iter()
                .zip(&su)
                .chain(box_part(n, &v).iter().zip(&sv))
            {
                assert!(
                    (got - want).abs() <= 1e-13 * scale,
                    "n = {n}: {got} vs {want}"
                );
            }
        }
    }

    #[test]
    fn one_mode_gives_its_exact_velocity_and_its_continuation_in_the_halo() {
        // omega = sin(a x) sin(b y) on [0, pi]^2: psi = omega / (a^2 + b^2).
        let (n, a, b) = (16, 3.0, 2.0);
        let spacing = PI / n as f64;
        let w = n + 1;
        let node = |i: usize| i as f64 * spacing;
        let omega: Vec<f64> = (0..w * w)
            .map(|at| (a * node(at % w)).sin() * (b * node(at / w)).sin())
            .collect();
        let (u, v) = solve(n, spacing, &omega);
        let p = n + 3;
        // Index `n + 2` is node -1; the continuation is the same formula
        // beyond the walls.
        let at = |k: usize| if k == n + 2 { -spacing } else { node(k) };
        for jj in 0..p {
            for ii in 0..p {
                let (x, y) = (at(ii), at(jj));
                let want_u = b * (a * x).sin() * (b * y).cos() / (a * a + b * b);
                let want_v = -a * (a * x).cos() * (b * y).sin() / (a * a + b * b);
                assert!((u[ii + p * jj] - want_u).abs() < 1e-14, "u at ({ii}, {jj})");
                assert!((v[ii + p * jj] - want_v).abs() < 1e-14, "v at ({ii}, {jj})");
            }
        }
    }
}
