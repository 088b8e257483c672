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
//! transform along one axis. Six passes over `(n + 1)^2` real arrays,
//! each writing its lines transposed when the next pass runs along the
//! other axis; pairs of lines that are entirely zero (rows outside the
//! vortices) are not transformed.
//!
//! **A type-I transform by an FFT of length `n`** (the classic pre- and
//! post-processing, Numerical Recipes' `sinft` and `cosft1`; the odd or
//! even continuation of length `2n` would transform every value twice).
//! With `x_j` the line (`j = 0..=n`), `s_j = sin(pi j / n)`,
//! `A_j = x_j + x_{n-j}`, `B_j = x_j - x_{n-j}`, and `Y` the DFT of
//!
//! ```text
//! y_j = s_j A_j + B_j / 2    (sine; y_0 = 0),
//! y_j = A_j / 2 - s_j B_j    (cosine),           j = 0..n-1,
//! ```
//!
//! the part of `y` even about `n / 2` gives a real `Y`, the odd part an
//! imaginary one, and the product-to-sum identities give, for
//! `S_k = sum_{j=1}^{n-1} x_j sin(pi j k / n)` and
//! `C_k = (x_0 + (-1)^k x_n) / 2 + sum_{j=1}^{n-1} x_j cos(pi j k / n)`,
//!
//! ```text
//! S_2m = -Im Y_m,   S_2m+1 = S_2m-1 + Re Y_m    (S_1 = Re Y_0 / 2),
//! C_2m =  Re Y_m,   C_2m+1 = C_2m-1 - Im Y_m    (C_1 summed directly).
//! ```
//!
//! Two real lines `a`, `b` go through one complex FFT as `z = y_a + i y_b`:
//! with `Z` its DFT, `Y_a = (Z_m + conj Z_{n-m}) / 2` and
//! `Y_b = (Z_m - conj Z_{n-m}) / 2i`, so that the pair's transforms, as
//! `2 S_a + 2i S_b` (or `C`), are sums and differences of `Z_m` and
//! `Z_{n-m}`, and the odd coefficients a running sum of them.

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

/// An FFT of length `n` with the tables and buffers of the type-I
/// transforms of lines of `n + 1` values.
struct Lines {
    n: usize,
    fft: Arc<dyn Fft<f64>>,
    /// `sin(pi j / n)` and `2 cos(pi j / n)`, `j = 0..n`.
    sines: Vec<f64>,
    twice_cosines: Vec<f64>,
    /// The pre-processed pair `y_a + i y_b`, then its DFT (`n` values).
    line: Vec<Complex<f64>>,
    scratch: Vec<Complex<f64>>,
    /// The pair's coefficients `k = 0..=n`, line `a` real, line `b`
    /// imaginary.
    out: Vec<Complex<f64>>,
    /// `n + 1` zeros: the lines outside a pass's rows.
    zeros: Vec<f64>,
}

impl Lines {
    fn new(n: usize) -> Self {
        let fft = FftPlanner::new().plan_fft_forward(n);
        let scratch = vec![Complex::new(0.0, 0.0); fft.get_inplace_scratch_len()];
        let angle = |j: usize| std::f64::consts::PI * j as f64 / n as f64;
        Lines {
            n,
            fft,
            sines: (0..n).map(|j| angle(j).sin()).collect(),
            twice_cosines: (0..n).map(|j| 2.0 * angle(j).cos()).collect(),
            line: vec![Complex::new(0.0, 0.0); n],
            scratch,
            out: vec![Complex::new(0.0, 0.0); n + 1],
            zeros: vec![0.0; n + 1],
        }
    }

    /// The type-I transforms of the lines `a` and `b` (`n + 1` values
    /// each; an odd line's end values are ignored) into `self.out` as
    /// `2 S_a + 2i S_b` for `k = 0..=n` (0 at `k = 0, n`) or
    /// `2 C_a + 2i C_b`, the module doc's sums doubled (the FFT of the
    /// continuation of length `2n`).
    #[inline(always)]
    fn transform_pair(&mut self, parity: Parity, a: &[f64], b: &[f64]) {
        let n = self.n;
        let (line, out) = (&mut self.line, &mut self.out);
        // x_j + i x'_j and its mirror x_{n-j} + i x'_{n-j}, j = 0..n.
        let pairs = a[..n]
            .iter()
            .zip(&b[..n])
            .zip(a[1..].iter().rev().zip(b[1..].iter().rev()))
            .zip(&self.sines)
            .zip(line.iter_mut());
        match parity {
            Parity::Odd => {
                for ((((&xa, &xb), (&ma, &mb)), &s), y) in pairs {
                    let re = s * (xa + ma) + 0.5 * (xa - ma);
                    let im = s * (xb + mb) + 0.5 * (xb - mb);
                    *y = Complex::new(re, im);
                }
                // x_0 and x_n are not part of a sine line.
                line[0] = Complex::new(0.0, 0.0);
            }
            Parity::Even => {
                for ((((&xa, &xb), (&ma, &mb)), &s), y) in pairs {
                    let re = 0.5 * (xa + ma) - s * (xa - ma);
                    let im = 0.5 * (xb + mb) - s * (xb - mb);
                    *y = Complex::new(re, im);
                }
            }
        }
        // 2 C_1 needs its own sum; 2 S_1 is Z_0, read after the FFT.
        let first_odd = match parity {
            Parity::Odd => None,
            Parity::Even => {
                let ends = Complex::new(a[0] - a[n], b[0] - b[n]);
                let cosines = &self.twice_cosines[1..];
                Some(ends + Complex::new(dot(&a[1..n], cosines), dot(&b[1..n], cosines)))
            }
        };
        self.fft.process_with_scratch(line, &mut self.scratch);
        // With Z_m + Z_{n-m} (`sum`) and i (Z_m - Z_{n-m}) (`turned`), the
        // even coefficients of the pair are one of them and the odd ones
        // the running sum of the other.
        // First the even coefficients, with each odd one's increment in
        // its slot, then the running sum over the odd slots.
        let half = n / 2;
        let mirrors = line[half..].iter().rev();
        for ((z, mirror), pair) in line[1..=half]
            .iter()
            .zip(mirrors)
            .zip(out[2..].chunks_mut(2))
        {
            let sum = z + mirror;
            let turned = Complex::new(mirror.im - z.im, z.re - mirror.re);
            let (even, step) = match parity {
                Parity::Odd => (turned, sum),
                Parity::Even => (sum, turned),
            };
            pair[0] = even;
            if let Some(odd) = pair.get_mut(1) {
                *odd = step;
            }
        }
        out[0] = line[0] + line[0];
        out[1] = first_odd.unwrap_or(line[0]);
        let mut odd = out[1];
        for slot in out.iter_mut().skip(3).step_by(2) {
            odd += *slot;
            *slot = odd;
        }
        if parity == Parity::Odd {
            out[0] = Complex::new(0.0, 0.0);
            out[n] = Complex::new(0.0, 0.0);
        }
    }

    /// The type-I transform of the lines `rows` of `src` (`n + 1` values
    /// each) into `dst`, as [`Lines::transform_pair`] gives them. Lines
    /// outside `rows` are zero. In AVX2 where the processor has it (the
    /// same operations in wider registers: the same bits).
    fn pass(
        &mut self,
        parity: Parity,
        src: &[f64],
        rows: Range<usize>,
        dst: &mut [f64],
        layout: Layout,
    ) {
        #[cfg(target_arch = "x86_64")]
        if let Some(simd) = pulp::x86::V3::try_new() {
            return simd.vectorize(
                #[inline(always)]
                || self.pass_portable(parity, src, rows, dst, layout),
            );
        }
        self.pass_portable(parity, src, rows, dst, layout)
    }

    #[inline(always)]
    fn pass_portable(
        &mut self,
        parity: Parity,
        src: &[f64],
        rows: Range<usize>,
        dst: &mut [f64],
        layout: Layout,
    ) {
        let w = self.n + 1;
        let zeros = std::mem::take(&mut self.zeros);
        let line_of = |r: usize| {
            if r < w && rows.contains(&r) {
                &src[r * w..(r + 1) * w]
            } else {
                &zeros[..]
            }
        };
        for r0 in (0..w).step_by(2) {
            let r1 = r0 + 1;
            let (a, b) = (line_of(r0), line_of(r1));
            if a.iter().chain(b).all(|&x| x == 0.0) {
                self.out.fill(Complex::new(0.0, 0.0));
            } else {
                self.transform_pair(parity, a, b);
            }
            // Line r0 is the real part, line r1 the imaginary part.
            let out = &self.out[..];
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
        self.zeros = zeros;
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
        let w = n + 1;
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
            lines: Lines::new(n),
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

/// `sum x_j y_j` over the shorter of the two, in four interleaved partial
/// sums (independent additions the compiler can keep in vector lanes).
#[inline(always)]
fn dot(x: &[f64], y: &[f64]) -> f64 {
    let mut partial = [0.0; 4];
    let (xs, ys) = (x.chunks_exact(4), y.chunks_exact(4));
    let tail: f64 = xs
        .remainder()
        .iter()
        .zip(ys.remainder())
        .map(|(a, b)| a * b)
        .sum();
    for (xc, yc) in xs.zip(ys) {
        for lane in 0..4 {
            partial[lane] += xc[lane] * yc[lane];
        }
    }
    partial.iter().sum::<f64>() + tail
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
    fn a_pair_of_lines_transforms_as_the_sums_of_the_definitions() {
        // 2 S_k and 2 C_k summed directly, for lines with non-zero ends
        // (which a sine line ignores and a cosine line weighs by one half).
        let mut uniform = crate::test_uniform(11u64);
        for n in [1, 2, 3, 8, 13, 64] {
            let mut lines = Lines::new(n);
            let a: Vec<f64> = (0..=n).map(|_| uniform() - 0.5).collect();
            let b: Vec<f64> = (0..=n).map(|_| uniform() - 0.5).collect();
            let angle = |j: usize, k: usize| PI * (j * k) as f64 / n as f64;
            let sine = |x: &[f64], k: usize| -> f64 {
                (1..n).map(|j| 2.0 * x[j] * angle(j, k).sin()).sum()
            };
            let cosine = |x: &[f64], k: usize| -> f64 {
                let ends = x[0] + if k.is_multiple_of(2) { x[n] } else { -x[n] };
                ends + (1..n).map(|j| 2.0 * x[j] * angle(j, k).cos()).sum::<f64>()
            };
            for (parity, direct) in [
                (Parity::Odd, &sine as &dyn Fn(&[f64], usize) -> f64),
                (Parity::Even, &cosine),
            ] {
                lines.transform_pair(parity, &a, &b);
                for k in 0..=n {
                    let want = Complex::new(direct(&a, k), direct(&b, k));
                    let got = lines.out[k];
                    assert!(
                        (got - want).norm() <= 1e-13 * n as f64,
                        "{parity:?}, n = {n}, k = {k}: {got} vs {want}"
                    );
                }
            }
        }
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
