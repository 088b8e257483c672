//! An independent pseudo-spectral solver of the stress-free box: 2D
//! incompressible Navier–Stokes in vorticity form on `[0, L]^2`,
//!
//! ```text
//! d omega/dt + u . grad(omega) = nu Laplacian(omega),
//! Laplacian(psi) = -omega,   u = d psi/dy,   v = -d psi/dx,
//! omega = psi = 0 on the walls (free slip, paper 2 Section 5.1.2),
//! ```
//!
//! the sign convention of `vic_solver` and [`crate::lamb_chaplygin`]. The
//! reference against which the Vortex-In-Cell members are measured
//! ([`crate::diffusion_accuracy`]); it shares no code with `vic-solver` or
//! `particle-core`.
//!
//! **Basis.** With `k_m = m pi / L`, both fields are double sine series,
//!
//! ```text
//! omega = sum_{m,n=1..K} w_mn sin(k_m x) sin(k_n y),   psi_mn = w_mn / (k_m^2 + k_n^2),
//! ```
//!
//! which satisfy `omega = psi = 0` on every wall term by term (the odd
//! continuation of the box onto the `2L`-periodic square of SPEC,
//! "Conventions"). `u = sum psi_mn k_n sin(k_m x) cos(k_n y)` and
//! `v = -sum psi_mn k_m cos(k_m x) sin(k_n y)`; `u . grad(omega)` is then a
//! double sine series again.
//!
//! **Nonlinear term** (pseudo-spectral): `u`, `v`, `d omega/dx`,
//! `d omega/dy` are synthesised on the nodes `(i L / N, j L / N)`,
//! `0 <= i, j <= N`, multiplied there, and the product is analysed back by
//! the discrete sine transform (DST-I). Each one-dimensional DST-I or DCT-I
//! is an FFT of length `2N` of the odd or even continuation (rustfft, plans
//! built once), two real lines packed into one complex transform.
//!
//! **Dealiasing** by the 2/3 rule: only `m, n <= K` are kept, with `N` the
//! smallest 5-smooth integer such that `2N > 3K`. A product of two retained
//! modes reaches at most `2K`, which aliases on the `2N`-periodic grid to
//! `2N - 2K > K`: the retained coefficients of the product are exact, so
//! the semi-discrete system is the Galerkin truncation of Navier–Stokes and,
//! for `nu = 0`, conserves energy and enstrophy exactly.
//!
//! **Time stepping**: classic RK4 on the integrating-factor form
//! `d(e^{nu k^2 t} w)/dt = e^{nu k^2 t} N(w)`, so the viscous term is
//! integrated exactly (a single sine mode, for which `N(w) = 0`, decays as
//! `exp(-nu k^2 t)` to rounding).
//!
//! Diagnostics are exact integrals of the truncated series (Parseval):
//! energy `E = 1/2 int |u|^2 = L^2/8 sum w_mn^2 / k^2`, enstrophy
//! `Z = 1/2 int omega^2 = L^2/8 sum w_mn^2`.
//!
//! # Example
//!
//! ```
//! use std::f64::consts::PI;
//! use validation::spectral_box::SpectralBox;
//!
//! // One sine mode is an exact solution: it decays as exp(-nu (m^2 + n^2) t).
//! let nu = 0.01;
//! let mut flow = SpectralBox::from_vorticity(PI, 8, nu, 0.05, |[x, y]| {
//!     (2.0 * x).sin() * (3.0 * y).sin()
//! })?;
//! let z0 = flow.enstrophy();
//! flow.advance(1.0)?;
//! let exact = (-2.0 * nu * 13.0 * 1.0f64).exp();
//! assert!((flow.enstrophy() / z0 - exact).abs() < 1e-12);
//! # Ok::<(), validation::Error>(())
//! ```

use std::f64::consts::PI;
use std::sync::Arc;

use rustfft::num_complex::Complex;
use rustfft::{Fft, FftPlanner};

use crate::error::{Error, Result, finite, positive};

/// The largest number of retained modes per direction accepted by
/// [`SpectralBox::new`] (a `12 289^2` grid; far beyond any use here, and
/// small enough that no index overflows).
pub const MAX_MODES: usize = 8192;

/// Relative tolerance with which a duration must be a whole number of steps.
const WHOLE_STEPS_TOLERANCE: f64 = 1e-9;

/// Whether a line is a sine or a cosine series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Parity {
    Sine,
    Cosine,
}

/// The one-dimensional DST-I and DCT-I of lines of `N + 1` values by one
/// complex FFT of length `2N` per pair of lines.
///
/// For a line `f_0..f_N` (a sine line has `f_0 = f_N = 0`):
///
/// ```text
/// Sine:    out_k = sum_{j=1}^{N-1} f_j sin(pi j k / N),
/// Cosine:  out_k = sum_{j=0}^{N}   f_j cos(pi j k / N).
/// ```
///
/// The odd continuation `g` of a real line has a purely imaginary
/// transform `G_k = -2i out_k`; the even one (end values doubled) a purely
/// real `G_k = 2 out_k`. Two real lines `a`, `b` of the same parity in one
/// transform of `a + i b` are therefore separated by taking real and
/// imaginary parts.
struct LineTransform {
    n: usize,
    fft: Arc<dyn Fft<f64>>,
    buffer: Vec<Complex<f64>>,
    scratch: Vec<Complex<f64>>,
    /// A line of zeros to pair with an odd last line.
    spare: Vec<f64>,
}

impl LineTransform {
    fn new(n: usize) -> Self {
        let fft = FftPlanner::new().plan_fft_forward(2 * n);
        let scratch = vec![Complex::default(); fft.get_inplace_scratch_len()];
        LineTransform {
            n,
            fft,
            buffer: vec![Complex::default(); 2 * n],
            scratch,
            spare: vec![0.0; n + 1],
        }
    }

    /// Transform `a` and `b` (each of length `N + 1`) in place.
    fn pair(&mut self, a: &mut [f64], b: &mut [f64], parity: Parity) {
        let n = self.n;
        let buf = &mut self.buffer;
        match parity {
            Parity::Sine => {
                buf[0] = Complex::default();
                buf[n] = Complex::default();
                for j in 1..n {
                    let z = Complex::new(a[j], b[j]);
                    buf[j] = z;
                    buf[2 * n - j] = -z;
                }
            }
            Parity::Cosine => {
                buf[0] = Complex::new(2.0 * a[0], 2.0 * b[0]);
                buf[n] = Complex::new(2.0 * a[n], 2.0 * b[n]);
                for j in 1..n {
                    let z = Complex::new(a[j], b[j]);
                    buf[j] = z;
                    buf[2 * n - j] = z;
                }
            }
        }
        self.fft.process_with_scratch(buf, &mut self.scratch);
        match parity {
            Parity::Sine => {
                // Z = 2 S_b - 2i S_a.
                for k in 0..=n {
                    a[k] = -0.5 * buf[k].im;
                    b[k] = 0.5 * buf[k].re;
                }
                a[0] = 0.0;
                b[0] = 0.0;
                a[n] = 0.0;
                b[n] = 0.0;
            }
            Parity::Cosine => {
                // Z = 2 C_a + 2i C_b.
                for k in 0..=n {
                    a[k] = 0.5 * buf[k].re;
                    b[k] = 0.5 * buf[k].im;
                }
            }
        }
    }

    /// Transform the rows `rows` of the `(N + 1) x (N + 1)` row-major
    /// array `data` in place, two at a time (an odd last row is paired with
    /// a scratch row of zeros).
    fn rows(&mut self, data: &mut [f64], rows: std::ops::Range<usize>, parity: Parity) {
        let width = self.n + 1;
        let block = &mut data[rows.start * width..rows.end * width];
        let mut spare = std::mem::take(&mut self.spare);
        for chunk in block.chunks_mut(2 * width) {
            if chunk.len() == 2 * width {
                let (a, b) = chunk.split_at_mut(width);
                self.pair(a, b, parity);
            } else {
                spare.fill(0.0);
                self.pair(chunk, &mut spare, parity);
            }
        }
        self.spare = spare;
    }
}

/// Transpose the square row-major array `data` of side `side` in place.
fn transpose(data: &mut [f64], side: usize) {
    for r in 0..side {
        for c in r + 1..side {
            data.swap(r * side + c, c * side + r);
        }
    }
}

/// The smallest integer `>= minimum` with no prime factor above 5.
fn five_smooth_at_least(minimum: usize) -> usize {
    (minimum.max(1)..)
        .find(|&n| {
            let mut m = n;
            for p in [2, 3, 5] {
                while m % p == 0 {
                    m /= p;
                }
            }
            m == 1
        })
        .unwrap_or(minimum)
}

/// The field `sum c(m, n) X_m(x) Y_n(y)` (`1 <= m, n <= modes`) on the
/// `(N + 1)^2` nodes, written to `out` in the transposed layout
/// `[i (N + 1) + j]`: `x_parity` is sine (`X_m = sin(k_m x)`,
/// `Y_n = cos(k_n y)`) or cosine (`X_m = cos(k_m x)`, `Y_n = sin(k_n y)`).
fn synthesise(
    lines: &mut LineTransform,
    modes: usize,
    out: &mut [f64],
    c: impl Fn(usize, usize) -> f64,
    x_parity: Parity,
) {
    let width = lines.n + 1;
    out.fill(0.0);
    // Coefficient layout [n][m]: rows n = 1..=K carry values.
    for row in 1..=modes {
        let line = &mut out[row * width..(row + 1) * width];
        for (m, value) in line.iter_mut().enumerate().take(modes + 1).skip(1) {
            *value = c(m, row);
        }
    }
    lines.rows(out, 1..modes + 1, x_parity);
    // [n][i] -> [i][n], then along y.
    transpose(out, width);
    let y_parity = match x_parity {
        Parity::Sine => Parity::Cosine,
        Parity::Cosine => Parity::Sine,
    };
    lines.rows(out, 0..width, y_parity);
}

/// The retained coefficients (`1 <= m, n <= modes`, layout
/// `[(n - 1) K + (m - 1)]`) of the sine field `field` (transposed layout
/// `[i (N + 1) + j]`; overwritten): `(2/N)^2` times its 2D DST-I.
fn analyse(lines: &mut LineTransform, modes: usize, field: &mut [f64], coefficients: &mut [f64]) {
    let n = lines.n;
    let width = n + 1;
    // Along y for every interior x node: [i][j] -> [i][n].
    lines.rows(field, 1..n, Parity::Sine);
    transpose(field, width);
    // Along x for the retained rows n: [n][i] -> [n][m].
    lines.rows(field, 1..modes + 1, Parity::Sine);
    let scale = 4.0 / (n * n) as f64;
    for (row, out) in coefficients.chunks_exact_mut(modes).enumerate() {
        let line = &field[(row + 1) * width..(row + 2) * width];
        for (c, f) in out.iter_mut().zip(&line[1..]) {
            *c = scale * f;
        }
    }
}

/// A flow in the stress-free box `[0, L]^2` as a truncated double sine
/// series, advanced by integrating-factor RK4 (module docs).
///
/// Coefficients are stored `w[(n - 1) K + (m - 1)]` for `1 <= m, n <= K`
/// (`m` along x).
pub struct SpectralBox {
    length: f64,
    modes: usize,
    grid: usize,
    viscosity: f64,
    dt: f64,
    time: f64,
    steps: u64,
    /// Coefficients `w_mn` of the vorticity.
    omega: Vec<f64>,
    /// `k_m^2 + k_n^2` per coefficient.
    k2: Vec<f64>,
    /// `exp(-nu k^2 dt)` and `exp(-nu k^2 dt / 2)` per coefficient.
    decay: Vec<f64>,
    half_decay: Vec<f64>,
    lines: LineTransform,
    /// Physical fields on the `(N + 1)^2` nodes, transposed layout
    /// `[i (N + 1) + j]` (x index `i` slowest), and the work arrays.
    u: Vec<f64>,
    v: Vec<f64>,
    dwdx: Vec<f64>,
    dwdy: Vec<f64>,
    /// RK4 registers (coefficients).
    stage: Vec<f64>,
    rate: Vec<f64>,
    accumulated: Vec<f64>,
}

impl std::fmt::Debug for SpectralBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpectralBox")
            .field("length", &self.length)
            .field("modes", &self.modes)
            .field("grid", &self.grid)
            .field("viscosity", &self.viscosity)
            .field("dt", &self.dt)
            .field("time", &self.time)
            .finish_non_exhaustive()
    }
}

impl SpectralBox {
    /// A flow at rest in the box `[0, length]^2` keeping `modes` sine modes
    /// per direction (`1 <= m, n <= modes`), with kinematic viscosity
    /// `viscosity >= 0` and time step `dt`. The transform grid has `N`
    /// intervals per side, the smallest 5-smooth `N` with `2N > 3 modes`.
    ///
    /// # Errors
    /// [`Error::NotPositive`] for a length or `dt` that is not positive and
    /// finite; [`Error::Negative`] or [`Error::NotFinite`] for a bad
    /// viscosity; [`Error::EmptyGrid`] for `modes == 0`;
    /// [`Error::TooLarge`] for `modes > MAX_MODES`.
    pub fn new(length: f64, modes: usize, viscosity: f64, dt: f64) -> Result<Self> {
        positive("box length", length)?;
        positive("time step dt", dt)?;
        finite("viscosity nu", viscosity)?;
        if viscosity < 0.0 {
            return Err(Error::Negative {
                name: "viscosity nu",
                value: viscosity,
            });
        }
        if modes == 0 {
            return Err(Error::EmptyGrid {
                what: "sine modes per direction",
            });
        }
        if modes > MAX_MODES {
            return Err(Error::TooLarge {
                name: "sine modes per direction",
                value: modes as f64,
                maximum: MAX_MODES as f64,
            });
        }
        let grid = five_smooth_at_least(3 * modes / 2 + 1);
        let k = PI / length;
        let mut k2 = Vec::with_capacity(modes * modes);
        for n in 1..=modes {
            for m in 1..=modes {
                k2.push(k * k * (m * m + n * n) as f64);
            }
        }
        let decay = k2.iter().map(|q| (-viscosity * q * dt).exp()).collect();
        let half_decay = k2
            .iter()
            .map(|q| (-viscosity * q * dt / 2.0).exp())
            .collect();
        let nodes = (grid + 1) * (grid + 1);
        let coefficients = modes * modes;
        Ok(SpectralBox {
            length,
            modes,
            grid,
            viscosity,
            dt,
            time: 0.0,
            steps: 0,
            omega: vec![0.0; coefficients],
            k2,
            decay,
            half_decay,
            lines: LineTransform::new(grid),
            u: vec![0.0; nodes],
            v: vec![0.0; nodes],
            dwdx: vec![0.0; nodes],
            dwdy: vec![0.0; nodes],
            stage: vec![0.0; coefficients],
            rate: vec![0.0; coefficients],
            accumulated: vec![0.0; coefficients],
        })
    }

    /// [`SpectralBox::new`], then [`SpectralBox::set_vorticity`].
    ///
    /// # Errors
    /// As both.
    pub fn from_vorticity(
        length: f64,
        modes: usize,
        viscosity: f64,
        dt: f64,
        omega: impl Fn([f64; 2]) -> f64,
    ) -> Result<Self> {
        let mut flow = Self::new(length, modes, viscosity, dt)?;
        flow.set_vorticity(omega)?;
        Ok(flow)
    }

    /// Replace the state by the retained sine coefficients of `omega`
    /// (its DST-I on the interior nodes of the transform grid, i.e. the
    /// sine interpolant truncated to `m, n <= K`); time and step count
    /// restart at 0. `omega` is read only inside the box, where a
    /// stress-free flow has `omega = 0` on the walls.
    ///
    /// # Errors
    /// [`Error::NonFiniteSample`] if `omega` returns NaN or an infinity (the
    /// index is the node `i + (N + 1) j`, x fastest); the state is then
    /// unchanged.
    pub fn set_vorticity(&mut self, omega: impl Fn([f64; 2]) -> f64) -> Result<()> {
        let n = self.grid;
        let h = self.length / n as f64;
        let width = n + 1;
        let mut field = vec![0.0; width * width];
        for i in 1..n {
            for j in 1..n {
                let value = omega([i as f64 * h, j as f64 * h]);
                if !value.is_finite() {
                    return Err(Error::NonFiniteSample {
                        what: "initial vorticity",
                        index: i + width * j,
                        value,
                    });
                }
                field[i * width + j] = value;
            }
        }
        let mut coefficients = vec![0.0; self.omega.len()];
        analyse(&mut self.lines, self.modes, &mut field, &mut coefficients);
        self.omega = coefficients;
        self.time = 0.0;
        self.steps = 0;
        Ok(())
    }

    /// Replace the state by the coefficients `w` (layout
    /// `w[(n - 1) K + (m - 1)]`); time and step count restart at 0.
    ///
    /// # Errors
    /// [`Error::LengthMismatch`] unless `w.len() == K^2`;
    /// [`Error::NonFiniteSample`] for a NaN or infinite coefficient.
    pub fn set_coefficients(&mut self, w: &[f64]) -> Result<()> {
        if w.len() != self.omega.len() {
            return Err(Error::LengthMismatch {
                what: "sine coefficients",
                expected: self.omega.len(),
                found: w.len(),
            });
        }
        if let Some(index) = w.iter().position(|x| !x.is_finite()) {
            return Err(Error::NonFiniteSample {
                what: "sine coefficients",
                index,
                value: w[index],
            });
        }
        self.omega.copy_from_slice(w);
        self.time = 0.0;
        self.steps = 0;
        Ok(())
    }

    /// The vorticity coefficients `w_mn`, layout `w[(n - 1) K + (m - 1)]`.
    pub fn coefficients(&self) -> &[f64] {
        &self.omega
    }

    /// Side `L` of the box.
    pub fn length(&self) -> f64 {
        self.length
    }

    /// Retained sine modes per direction `K`.
    pub fn modes(&self) -> usize {
        self.modes
    }

    /// Intervals per side `N` of the transform grid (`2N > 3K`).
    pub fn transform_grid(&self) -> usize {
        self.grid
    }

    /// Viscosity `nu`.
    pub fn viscosity(&self) -> f64 {
        self.viscosity
    }

    /// Time step.
    pub fn dt(&self) -> f64 {
        self.dt
    }

    /// Current time.
    pub fn time(&self) -> f64 {
        self.time
    }

    /// Steps taken since the state was set.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Advance by `duration`, which must be a whole number of steps `dt`
    /// (to a relative `1e-9`).
    ///
    /// # Errors
    /// [`Error::Negative`] or [`Error::NotFinite`] for a bad duration;
    /// [`Error::NotWholeSteps`] if `duration / dt` is not a whole number;
    /// [`Error::SolutionNotFinite`] if the solution stops being finite
    /// (a step `dt` beyond RK4's stability limit); the state is then that
    /// of the last finite step.
    pub fn advance(&mut self, duration: f64) -> Result<()> {
        let steps = self.whole_steps(duration)?;
        self.advance_steps(steps, |_| {})
    }

    /// The number of steps `duration / dt`, if whole.
    ///
    /// # Errors
    /// As [`SpectralBox::advance`].
    pub fn whole_steps(&self, duration: f64) -> Result<u64> {
        finite("duration", duration)?;
        if duration < 0.0 {
            return Err(Error::Negative {
                name: "duration",
                value: duration,
            });
        }
        let ratio = duration / self.dt;
        let steps = ratio.round();
        if (ratio - steps).abs() > WHOLE_STEPS_TOLERANCE * ratio.max(1.0) || steps > u64::MAX as f64
        {
            return Err(Error::NotWholeSteps {
                duration,
                dt: self.dt,
            });
        }
        Ok(steps as u64)
    }

    /// Advance by `steps` steps, calling `on_step` after each.
    ///
    /// # Errors
    /// [`Error::SolutionNotFinite`] as in [`SpectralBox::advance`].
    pub fn advance_steps(&mut self, steps: u64, mut on_step: impl FnMut(&Self)) -> Result<()> {
        for _ in 0..steps {
            self.step()?;
            on_step(self);
        }
        Ok(())
    }

    /// One integrating-factor RK4 step:
    ///
    /// ```text
    /// k1 = N(w)
    /// k2 = N(E_h (w + dt/2 k1))
    /// k3 = N(E_h w + dt/2 k2)
    /// k4 = N(E w + dt E_h k3)
    /// w <- E w + dt/6 (E k1 + 2 E_h (k2 + k3) + k4),
    /// ```
    ///
    /// `E = exp(-nu k^2 dt)`, `E_h = exp(-nu k^2 dt / 2)`.
    fn step(&mut self) -> Result<()> {
        let dt = self.dt;
        let mut stage = std::mem::take(&mut self.stage);
        let mut rate = std::mem::take(&mut self.rate);
        let mut acc = std::mem::take(&mut self.accumulated);
        // k1
        stage.copy_from_slice(&self.omega);
        self.rate_into(&stage, &mut rate);
        for i in 0..acc.len() {
            let (w, e, eh) = (self.omega[i], self.decay[i], self.half_decay[i]);
            acc[i] = e * w + dt / 6.0 * e * rate[i];
            stage[i] = eh * (w + 0.5 * dt * rate[i]);
        }
        // k2
        self.rate_into(&stage, &mut rate);
        for i in 0..acc.len() {
            let (w, eh) = (self.omega[i], self.half_decay[i]);
            acc[i] += dt / 3.0 * eh * rate[i];
            stage[i] = eh * w + 0.5 * dt * rate[i];
        }
        // k3
        self.rate_into(&stage, &mut rate);
        for i in 0..acc.len() {
            let (w, e, eh) = (self.omega[i], self.decay[i], self.half_decay[i]);
            acc[i] += dt / 3.0 * eh * rate[i];
            stage[i] = e * w + dt * eh * rate[i];
        }
        // k4
        self.rate_into(&stage, &mut rate);
        for i in 0..acc.len() {
            acc[i] += dt / 6.0 * rate[i];
        }
        self.stage = stage;
        self.rate = rate;
        if acc.iter().any(|x| !x.is_finite()) {
            self.accumulated = acc;
            return Err(Error::SolutionNotFinite {
                time: self.time + dt,
            });
        }
        std::mem::swap(&mut self.omega, &mut acc);
        self.accumulated = acc;
        self.steps += 1;
        self.time = self.steps as f64 * dt;
        Ok(())
    }

    /// `rate = -(u . grad omega)` projected on the retained modes, for the
    /// coefficients `w`.
    fn rate_into(&mut self, w: &[f64], rate: &mut [f64]) {
        let k = PI / self.length;
        let modes = self.modes;
        let coefficient = |m: usize, n: usize| w[(n - 1) * modes + (m - 1)];
        let k2 = &self.k2;
        let psi = |m: usize, n: usize| coefficient(m, n) / k2[(n - 1) * modes + (m - 1)];
        let lines = &mut self.lines;
        // u = sum psi k_n sin(k_m x) cos(k_n y), v = -sum psi k_m cos(k_m x) sin(k_n y).
        synthesise(
            lines,
            modes,
            &mut self.u,
            |m, n| psi(m, n) * k * n as f64,
            Parity::Sine,
        );
        synthesise(
            lines,
            modes,
            &mut self.v,
            |m, n| -psi(m, n) * k * m as f64,
            Parity::Cosine,
        );
        synthesise(
            lines,
            modes,
            &mut self.dwdx,
            |m, n| coefficient(m, n) * k * m as f64,
            Parity::Cosine,
        );
        synthesise(
            lines,
            modes,
            &mut self.dwdy,
            |m, n| coefficient(m, n) * k * n as f64,
            Parity::Sine,
        );
        for (((p, dx), v), dy) in self
            .u
            .iter_mut()
            .zip(&self.dwdx)
            .zip(&self.v)
            .zip(&self.dwdy)
        {
            *p = -(*p * dx + v * dy);
        }
        analyse(lines, modes, &mut self.u, rate);
    }

    /// Kinetic energy `1/2 int |u|^2 = L^2/8 sum w_mn^2 / k^2`.
    pub fn energy(&self) -> f64 {
        let sum: f64 = self
            .omega
            .iter()
            .zip(&self.k2)
            .map(|(w, q)| w * w / q)
            .sum();
        self.length * self.length / 8.0 * sum
    }

    /// Enstrophy `1/2 int omega^2 = L^2/8 sum w_mn^2`.
    pub fn enstrophy(&self) -> f64 {
        let sum: f64 = self.omega.iter().map(|w| w * w).sum();
        self.length * self.length / 8.0 * sum
    }

    /// The vorticity of the series at arbitrary `points` of the box (direct
    /// summation, `K^2` operations per point).
    ///
    /// # Errors
    /// [`Error::PointOutsideBox`] for a point outside `[0, L]^2` (or not
    /// finite).
    pub fn vorticity_at(&self, points: &[[f64; 2]]) -> Result<Vec<f64>> {
        let length = self.length;
        let inside = |x: f64| (0.0..=length).contains(&x);
        if let Some(index) = points.iter().position(|p| !(inside(p[0]) && inside(p[1]))) {
            return Err(Error::PointOutsideBox {
                index,
                x: points[index][0],
                y: points[index][1],
                length,
            });
        }
        let modes = self.modes;
        let mut sx = vec![0.0; modes];
        let mut sy = vec![0.0; modes];
        Ok(points
            .iter()
            .map(|&[x, y]| {
                self.sines(x, &mut sx);
                self.sines(y, &mut sy);
                let mut total = 0.0;
                for (row, s) in self.omega.chunks_exact(modes).zip(&sy) {
                    let inner: f64 = row.iter().zip(&sx).map(|(w, c)| w * c).sum();
                    total += s * inner;
                }
                total
            })
            .collect())
    }

    /// The vorticity at the nodes `(i L / cells, j L / cells)`,
    /// `0 <= i, j <= cells`, x fastest (`(cells + 1)^2` values; the layout of
    /// a wall grid of `cells` cells), by separable summation.
    ///
    /// # Errors
    /// [`Error::EmptyGrid`] for `cells == 0`.
    pub fn vorticity_on_nodes(&self, cells: usize) -> Result<Vec<f64>> {
        if cells == 0 {
            return Err(Error::EmptyGrid { what: "cells" });
        }
        let modes = self.modes;
        let nodes = cells + 1;
        let h = self.length / cells as f64;
        // sines[i * K + (m - 1)] = sin(k_m x_i).
        let mut sines = vec![0.0; nodes * modes];
        for (i, line) in sines.chunks_exact_mut(modes).enumerate() {
            self.sines(i as f64 * h, line);
        }
        // partial[j][m] = sum_n w_mn sin(k_n y_j).
        let mut partial = vec![0.0; nodes * modes];
        for (line, sy) in partial
            .chunks_exact_mut(modes)
            .zip(sines.chunks_exact(modes))
        {
            for (row, s) in self.omega.chunks_exact(modes).zip(sy) {
                for (p, w) in line.iter_mut().zip(row) {
                    *p += s * w;
                }
            }
        }
        let mut out = Vec::with_capacity(nodes * nodes);
        for line in partial.chunks_exact(modes) {
            for sx in sines.chunks_exact(modes) {
                out.push(line.iter().zip(sx).map(|(p, s)| p * s).sum());
            }
        }
        Ok(out)
    }

    /// `out[m - 1] = sin(k_m x)` for `m = 1..=K`, each from the library
    /// sine (no recurrence, so no error growth with `m`).
    fn sines(&self, x: f64, out: &mut [f64]) {
        let k = PI / self.length;
        for (m, s) in out.iter_mut().enumerate() {
            *s = (k * (m + 1) as f64 * x).sin();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The naive sums the line transform must reproduce.
    fn naive(f: &[f64], parity: Parity) -> Vec<f64> {
        let n = f.len() - 1;
        (0..=n)
            .map(|k| match parity {
                Parity::Sine => (1..n)
                    .map(|j| f[j] * (PI * (j * k) as f64 / n as f64).sin())
                    .sum(),
                Parity::Cosine => (0..=n)
                    .map(|j| f[j] * (PI * (j * k) as f64 / n as f64).cos())
                    .sum(),
            })
            .collect()
    }

    #[test]
    fn line_transforms_match_the_naive_sums() {
        for n in [5, 8, 25] {
            let mut lines = LineTransform::new(n);
            for parity in [Parity::Sine, Parity::Cosine] {
                let line = |seed: f64| -> Vec<f64> {
                    (0..=n)
                        .map(|j| {
                            let value = (seed * (j as f64 + 1.0)).sin() + 0.3 * seed;
                            if parity == Parity::Sine && (j == 0 || j == n) {
                                0.0
                            } else {
                                value
                            }
                        })
                        .collect()
                };
                let (mut a, mut b) = (line(1.3), line(0.7));
                let (ea, eb) = (naive(&a, parity), naive(&b, parity));
                lines.pair(&mut a, &mut b, parity);
                for (x, y) in a.iter().zip(&ea).chain(b.iter().zip(&eb)) {
                    assert!(
                        (x - y).abs() < 1e-12 * n as f64,
                        "{parity:?} n={n}: {x} vs {y}"
                    );
                }
            }
        }
    }

    #[test]
    fn odd_row_counts_are_transformed_too() {
        let n = 8;
        let width = n + 1;
        let mut lines = LineTransform::new(n);
        let mut data: Vec<f64> = (0..width * width)
            .map(|i| (i as f64 * 0.37).cos())
            .collect();
        let expected: Vec<Vec<f64>> = (0..3)
            .map(|r| naive(&data[r * width..(r + 1) * width], Parity::Cosine))
            .collect();
        lines.rows(&mut data, 0..3, Parity::Cosine);
        for (r, e) in expected.iter().enumerate() {
            for (x, y) in data[r * width..(r + 1) * width].iter().zip(e) {
                assert!((x - y).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn transform_grid_satisfies_the_two_thirds_rule() {
        for modes in [1, 2, 16, 128, 256, 512] {
            let n = SpectralBox::new(1.0, modes, 0.0, 0.1)
                .unwrap()
                .transform_grid();
            assert!(2 * n > 3 * modes, "{modes} -> {n}");
            assert_eq!(five_smooth_at_least(n), n);
        }
        assert_eq!(five_smooth_at_least(385), 400);
        assert_eq!(five_smooth_at_least(7), 8);
    }
}
