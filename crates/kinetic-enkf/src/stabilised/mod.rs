//! The stabilised mean-field EnKF of paper 1 (Herty & Visconti), Section 4,
//! eq. (18)–(22), and what follows from it (`kinetic-paper-rest.md`).
//!
//! # Interaction and its limits
//!
//! A particle `u_*` interacts with the moments of `f` (eq. (18)):
//!
//! ```text
//! u = u_* - eps C(t) grad Phi(u_*) + sqrt(eps) K xi,    <xi> = 0, <xi ⊗ xi> = Lambda,
//! ```
//!
//! which for linear `G` is the affine map eq. (19); it keeps a
//! probabilistic meaning only if `eps rho(C G^T Gamma G) <= 1`
//! (Remark 4.1, enforced as [`Error::InteractionTooStrong`](crate::Error)).
//! The law of the particles solves the linear Boltzmann equation (20);
//! [`StabilisedParticles::boltzmann_step`] simulates it by a Nanbu-type
//! binary-interaction Monte Carlo scheme. In the grazing scaling
//! `tau = eps t`, `eps -> 0` (eq. (21)) it becomes the Fokker–Planck
//! equation (22), the law of the McKean SDE
//! `du = -C(t) grad Phi(u) dt + sigma dW`, `sigma sigma^T = Q`, simulated by
//! [`StabilisedParticles::fokker_planck_step`] (Euler–Maruyama).
//!
//! **The diffusion matrix.** The second-order term of the expansion is
//! `(eps/2) <Tr((xi ⊗ xi) K^T Hess(phi) K)> = (eps/2) Tr(K Lambda K^T Hess(phi))`,
//! so the diffusion matrix is `Q = K Lambda K^T`. The paper prints
//! `Lambda K^T K`; the two agree when `K` and `Lambda` commute (scalar,
//! isotropic, or diagonal cases) and we use `K Lambda K^T` throughout,
//! which is also what the particle schemes realise.
//!
//! # Choices of `K` ([`Noise`])
//!
//! * `Constant`: any `K` (`d × p`) and `Lambda` (`p × p`, SPD).
//! * `MomentScaled`: `K = kappa C(t)` (the paper's example `K = C`),
//!   `Q = kappa^2 C Lambda C`; it vanishes with `C`, so it slows the
//!   collapse but cannot stop it unless it reverses it (scalar:
//!   `dV/dt = (kappa^2 Lambda - 2 G^2) V^2`).
//! * `RangeOfGt`: `K = kappa G^T Gamma^{1/2}` with `xi` in `R^K`,
//!   `Lambda = I`, so `Q = kappa^2 G^T Gamma G`: noise only in the range of
//!   `G^T`, where the data can counter it. For SPD `H = G^T Gamma G` the
//!   equilibrium covariance is `C = (kappa / sqrt 2) I`.
//!
//! # Moments (linear `G`, `H = G^T Gamma G`, `b = G^T Gamma y`)
//!
//! ```text
//! dm/dt = -C (H m - b),        dC/dt = -2 C H C + Q,
//! ```
//!
//! ([`NoisyMoments`]). With constant isotropic `Q` and a kernel of `G`,
//! `C` grows linearly along `ker G`: [`kernel_growth`] returns the
//! asymptotic rate. In the scalar case (`Gamma = 1`, `q = Lambda K^2`)
//! the system in `(m, E)` is eq. (16) plus `(0, q)`, its Jacobian is
//! eq. (17) unchanged, and the unique admissible equilibrium
//! `m* = y/G`, `V* = sqrt(q / 2) / |G|` has eigenvalues `-G^2 V*` and
//! `-4 G^2 V*`: a hyperbolic stable node ([`NoisyScalarMoments`]). For any
//! `d`, SPD `H` and constant `Q`, the equilibrium
//! `C* = H^{-1/2} (H^{1/2} Q H^{1/2} / 2)^{1/2} H^{-1/2}`, `m* = H^{-1} b` and
//! the Jacobian's eigenvalues `-mu_i`, `-2 (mu_i + mu_j)` (`mu` those of
//! `C* H`) are [`NoisyMoments::equilibrium`].

mod moments;
mod noise;
mod particles;

pub use moments::{
    KernelGrowth, NoisyEquilibrium, NoisyMoments, NoisyScalarMoments, kernel_growth,
};
pub use noise::Noise;
pub use particles::StabilisedParticles;
