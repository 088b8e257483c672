//! The moment system of the mean-field equation for a scalar control,
//! paper 1 eq. (16), with `Gamma = 1`:
//!
//! ```text
//! dm/dt = G (E - m^2) (y - G m)
//! dE/dt = 2 G (E - m^2) (y m - G E)
//! ```
//!
//! for the mean `m` and the second moment `E` (so `V = E - m^2` is the
//! variance), with data `y` and forward map `G != 0`.
//!
//! # Closed form
//!
//! In the variables `V = E - m^2` and `w = y - G m` the system decouples:
//! `dV/dt = -2 G^2 V^2` and `dw/dt = -G^2 V w`, hence
//!
//! ```text
//! V(t) = V0 / (1 + 2 G^2 V0 t),   w(t) = w0 (1 + 2 G^2 V0 t)^(-1/2),
//! ```
//!
//! which is the paper's second family of solutions written with its
//! constants resolved, and contains the first (`w0 = 0`). It blows up at
//! `t* = -1 / (2 G^2 V0)` when `V0 < 0` (the inadmissible region
//! `E < m^2` of Remark 3.2); for `V0 > 0` the variance collapses like
//! `1 / (2 G^2 t)` and the mean reaches `y / G` like `t^(-1/2)`.
//!
//! Two misprints of the paper are corrected here and tested: on the
//! nullcline `m = y/G` the Riccati equation is
//! `dE/dt = -2 G^2 E^2 + 4 y^2 E - 2 y^4 / G^2` (the paper prints `4 E y`),
//! and its solution `E = y^2/G^2 + 1 / (2 G^2 (C + t))` has
//! `C = 1 / (2 G^2 (E0 - y^2/G^2))` (the paper prints
//! `(G^2 E0^2 - y^2) / 2`).
//!
//! # Fixed points
//!
//! Every point of the parabola `E = m^2` is a fixed point (`F_k = (k, k^2)`,
//! with `F0 = (0, 0)` and `F1 = (y/G, y^2/G^2)` among them). The Jacobian
//! eq. (17) there has trace and determinant zero: both eigenvalues vanish and
//! every fixed point is non-hyperbolic ([`Classification::NonHyperbolic`]).
//!
//! # Phase plane (Figure 1)
//!
//! [`ScalarMoments::vector_field`] samples eq. (16) on a grid of the
//! `(m, E)` plane ([`phase_field`] does it for any planar system, e.g. the
//! stabilised one of Section 4), and [`ScalarMoments::nullclines`] gives
//! the three nullclines `m = y/G` (`dm/dt = 0`), `E = (y/G) m`
//! (`dE/dt = 0`) and the parabola `E = m^2` (both vanish) as point lists.

use crate::{Error, Result};

/// The scalar moment system eq. (16) for data `y` and forward map `G`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScalarMoments {
    y: f64,
    g: f64,
}

/// Kind of a fixed point of a planar system from the eigenvalues of its
/// Jacobian.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Classification {
    /// Two negative real eigenvalues.
    StableNode,
    /// Two positive real eigenvalues.
    UnstableNode,
    /// Real eigenvalues of opposite signs.
    Saddle,
    /// Complex pair with negative real part.
    StableFocus,
    /// Complex pair with positive real part.
    UnstableFocus,
    /// Purely imaginary pair.
    Centre,
    /// An eigenvalue with zero real part that is not a centre: linearisation
    /// decides nothing.
    NonHyperbolic,
}

/// Eigenvalues `(re, im)` of a real 2x2 matrix (rows), by the characteristic
/// polynomial `mu^2 - tr mu + det = 0`.
pub fn eigenvalues_2x2(j: [[f64; 2]; 2]) -> [(f64, f64); 2] {
    let tr = j[0][0] + j[1][1];
    let det = j[0][0] * j[1][1] - j[0][1] * j[1][0];
    let disc = tr * tr - 4.0 * det;
    if disc >= 0.0 {
        let s = disc.sqrt();
        // Avoid cancellation: the larger root first, the other from det.
        let big = 0.5 * (tr + s.copysign(tr));
        let small = if big == 0.0 { 0.0 } else { det / big };
        [(big, 0.0), (small, 0.0)]
    } else {
        let im = 0.5 * (-disc).sqrt();
        [(0.5 * tr, im), (0.5 * tr, -im)]
    }
}

/// Classify a fixed point from its Jacobian; real parts with modulus at
/// most `tol` count as zero.
pub fn classify(j: [[f64; 2]; 2], tol: f64) -> Classification {
    let [(r1, i1), (r2, _)] = eigenvalues_2x2(j);
    let zero = |x: f64| x.abs() <= tol;
    if i1 != 0.0 && !zero(i1) {
        return if zero(r1) {
            Classification::Centre
        } else if r1 < 0.0 {
            Classification::StableFocus
        } else {
            Classification::UnstableFocus
        };
    }
    if zero(r1) || zero(r2) {
        Classification::NonHyperbolic
    } else if r1 < 0.0 && r2 < 0.0 {
        Classification::StableNode
    } else if r1 > 0.0 && r2 > 0.0 {
        Classification::UnstableNode
    } else {
        Classification::Saddle
    }
}

/// One arrow of a phase portrait: the vector field `(dm, de)` at `(m, e)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PhaseVector {
    /// Mean `m`.
    pub m: f64,
    /// Second moment `E`.
    pub e: f64,
    /// `dm/dt` there.
    pub dm: f64,
    /// `dE/dt` there.
    pub de: f64,
}

/// The nullclines of eq. (16) as polylines of `(m, E)` points inside a
/// window of the phase plane.
#[derive(Debug, Clone, PartialEq)]
pub struct Nullclines {
    /// `m = y/G`, where `dm/dt = 0`.
    pub mean_steady: Vec<[f64; 2]>,
    /// `E = (y/G) m`, where `dE/dt = 0`.
    pub second_moment_steady: Vec<[f64; 2]>,
    /// `E = m^2`, where both vanish (the fixed points `F_k`).
    pub parabola: Vec<[f64; 2]>,
}

/// The planar vector field `rhs(m, e)` on the `nm × ne` grid spanning
/// `m_range × e_range` (ends included), `m` varying fastest.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for fewer than 2 points per axis or a
/// range that is not finite with `lo < hi`.
pub fn phase_field(
    rhs: impl Fn(f64, f64) -> [f64; 2],
    m_range: [f64; 2],
    e_range: [f64; 2],
    nm: usize,
    ne: usize,
) -> Result<Vec<PhaseVector>> {
    let ms = axis(m_range, nm, "m")?;
    let es = axis(e_range, ne, "E")?;
    Ok(es
        .iter()
        .flat_map(|&e| ms.iter().map(move |&m| (m, e)))
        .map(|(m, e)| {
            let [dm, de] = rhs(m, e);
            PhaseVector { m, e, dm, de }
        })
        .collect())
}

/// `n >= 2` evenly spaced points from `range[0]` to `range[1]`.
fn axis(range: [f64; 2], n: usize, which: &'static str) -> Result<Vec<f64>> {
    if n < 2 {
        return Err(Error::InvalidParameter {
            name: "number of points per axis (at least 2)",
            value: n as f64,
        });
    }
    let [lo, hi] = range;
    if !(lo.is_finite() && hi.is_finite() && lo < hi) {
        return Err(Error::InvalidParameter {
            name: if which == "m" {
                "range of m (finite, lo < hi)"
            } else {
                "range of E (finite, lo < hi)"
            },
            value: if lo.is_finite() { hi } else { lo },
        });
    }
    Ok((0..n)
        .map(|i| lo + (hi - lo) * i as f64 / (n - 1) as f64)
        .collect())
}

impl ScalarMoments {
    /// The vector field of eq. (16) on a grid (see [`phase_field`]).
    ///
    /// # Errors
    ///
    /// As [`phase_field`].
    ///
    /// # Example
    ///
    /// Figure 1's window for `(y, G) = (2, 1)`; the field vanishes at
    /// `F1 = (2, 4)`.
    ///
    /// ```
    /// use kinetic_enkf::ScalarMoments;
    ///
    /// let field = ScalarMoments::new(2.0, 1.0)?.vector_field([0.0, 4.0], [0.0, 8.0], 5, 9)?;
    /// let f1 = field.iter().find(|p| p.m == 2.0 && p.e == 4.0).unwrap();
    /// assert_eq!((f1.dm, f1.de), (0.0, 0.0));
    /// # Ok::<(), kinetic_enkf::Error>(())
    /// ```
    pub fn vector_field(
        &self,
        m_range: [f64; 2],
        e_range: [f64; 2],
        nm: usize,
        ne: usize,
    ) -> Result<Vec<PhaseVector>> {
        phase_field(|m, e| self.rhs(m, e), m_range, e_range, nm, ne)
    }

    /// The nullclines inside `m_range × e_range`, each sampled at `n`
    /// values of its parameter (`E` for `m = y/G`, `m` for the others);
    /// points outside the window are left out.
    ///
    /// # Errors
    ///
    /// As [`phase_field`] (with `n` points per axis).
    pub fn nullclines(&self, m_range: [f64; 2], e_range: [f64; 2], n: usize) -> Result<Nullclines> {
        let ms = axis(m_range, n, "m")?;
        let es = axis(e_range, n, "E")?;
        let k = self.y / self.g;
        let inside = |p: &[f64; 2]| {
            (m_range[0]..=m_range[1]).contains(&p[0]) && (e_range[0]..=e_range[1]).contains(&p[1])
        };
        let keep = |points: Vec<[f64; 2]>| points.into_iter().filter(inside).collect();
        Ok(Nullclines {
            mean_steady: keep(es.iter().map(|&e| [k, e]).collect()),
            second_moment_steady: keep(ms.iter().map(|&m| [m, k * m]).collect()),
            parabola: keep(ms.iter().map(|&m| [m, m * m]).collect()),
        })
    }

    /// The system for data `y` and forward map `G`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if `y` is not finite or `G` is zero or
    /// not finite.
    pub fn new(y: f64, g: f64) -> Result<Self> {
        if !y.is_finite() {
            return Err(Error::InvalidParameter {
                name: "data y",
                value: y,
            });
        }
        if !(g.is_finite() && g != 0.0) {
            return Err(Error::InvalidParameter {
                name: "forward map G (non-zero)",
                value: g,
            });
        }
        Ok(ScalarMoments { y, g })
    }

    /// The right-hand side of eq. (16) at `(m, E)`.
    pub fn rhs(&self, m: f64, e: f64) -> [f64; 2] {
        let (y, g) = (self.y, self.g);
        let v = e - m * m;
        [g * v * (y - g * m), 2.0 * g * v * (y * m - g * e)]
    }

    /// The Jacobian eq. (17) at `(m, E)`, rows `d(dm/dt)`, `d(dE/dt)`.
    pub fn jacobian(&self, m: f64, e: f64) -> [[f64; 2]; 2] {
        let (y, g) = (self.y, self.g);
        let g2 = g * g;
        [
            [3.0 * g2 * m * m - 2.0 * g * y * m - g2 * e, -g2 * m + g * y],
            [
                2.0 * g * y * e + 4.0 * g2 * m * e - 6.0 * g * y * m * m,
                -4.0 * g2 * e + 2.0 * g * y * m + 2.0 * g2 * m * m,
            ],
        ]
    }

    /// The fixed points `F0 = (0, 0)` and `F1 = (y/G, y^2/G^2)`; every
    /// `F_k = (k, k^2)` is one too ([`ScalarMoments::is_fixed_point`]).
    pub fn named_fixed_points(&self) -> [[f64; 2]; 2] {
        let k = self.y / self.g;
        [[0.0, 0.0], [k, k * k]]
    }

    /// Whether `(m, E)` is a fixed point: on the parabola `E = m^2`, or on
    /// both other nullclines `m = y/G` and `E = (y/G) m` (which meet on the
    /// parabola), to a relative tolerance `tol`.
    pub fn is_fixed_point(&self, m: f64, e: f64, tol: f64) -> bool {
        let [a, b] = self.rhs(m, e);
        let scale = self.g.abs() * (1.0 + m * m + e.abs()) * (1.0 + self.y.abs() + e.abs());
        a.abs() <= tol * scale && b.abs() <= tol * scale
    }

    /// The time `t* = -1 / (2 G^2 V0)` at which the solution from
    /// `(m0, E0)` blows up, `None` if it exists for all `t >= 0`
    /// (`V0 = E0 - m0^2 >= 0`).
    pub fn blow_up_time(&self, m0: f64, e0: f64) -> Option<f64> {
        let v0 = e0 - m0 * m0;
        (v0 < 0.0).then(|| -1.0 / (2.0 * self.g * self.g * v0))
    }

    /// The exact solution at time `t >= 0` from `(m0, E0)` (module docs).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a non-finite start or a negative or
    /// non-finite `t`; [`Error::BlowUp`] if `t` is at or past the blow-up
    /// time.
    pub fn exact(&self, m0: f64, e0: f64, t: f64) -> Result<[f64; 2]> {
        for (name, value) in [("m0", m0), ("E0", e0)] {
            if !value.is_finite() {
                return Err(Error::InvalidParameter { name, value });
            }
        }
        if !(t.is_finite() && t >= 0.0) {
            return Err(Error::InvalidParameter {
                name: "time t (non-negative)",
                value: t,
            });
        }
        if let Some(time) = self.blow_up_time(m0, e0)
            && t >= time
        {
            return Err(Error::BlowUp { time });
        }
        let g2 = self.g * self.g;
        let v0 = e0 - m0 * m0;
        let s = 1.0 + 2.0 * g2 * v0 * t;
        let v = v0 / s;
        let w = (self.y - self.g * m0) / s.sqrt();
        let m = (self.y - w) / self.g;
        Ok([m, m * m + v])
    }
}
