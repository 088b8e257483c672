//! Any bytes given to the scenario loaders are parsed or refused with an
//! error; none makes them panic or abort.
#![no_main]

use libfuzzer_sys::fuzz_target;
use experiments::advection::Advection1dScenario;
use experiments::dipole::DipoleScenario;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(experiment) = DipoleScenario::from_toml(text) {
            // What a run derives from an accepted scenario.
            let _ = (experiment.truth_box(), experiment.member_box());
            let _ = (experiment.prior(), experiment.observation_points());
        }
        let _ = Advection1dScenario::from_toml(text);
    }
});
