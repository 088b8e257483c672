//! Paper 2, Fig. 8: velocity rRMSE against the assimilation step for Grid-,
//! Remesh- and Part-EnKF on the 1D problem (Section 4.2), with the
//! free-running ensemble (whose parameters never change) as baseline.

use serde_json::json;

use crate::reproduce::advection1d::{self, Quantity, parameters};
use crate::reproduce::context::{Context, Outcome};
use crate::reproduce::error::Error;

/// Run the comparison, write `fig8.csv` and `fig8.svg`.
pub fn run(ctx: &Context) -> Result<Outcome, Error> {
    let advection1d::RrmseFigure {
        scenario: s,
        numbers,
        ..
    } = advection1d::rrmse_figure(ctx, Quantity::Velocity)?;
    Ok(Outcome {
        parameters: parameters(ctx, &s),
        key_numbers: json!({ "filters": numbers }),
        notes: vec![
            "velocity rRMSE = |theta_i - theta_gt| averaged in the mean-square sense over members, over |theta_gt| (Section 4.1.2); step 0 is the prior".into(),
            "the same runs as fig7 (same seed); the free run keeps its prior parameters".into(),
        ],
    })
}
