//! Noise's text form (`none`, `gaussian:S`, `mask:P:K`) and its validation.

use recon_align::spectral::Noise;

#[test]
fn noise_model_round_trips_through_text() {
    for noise in [
        Noise::None,
        Noise::Gaussian { std: 0.25 },
        Noise::Mask { p: 0.5, patch: 4 },
        Noise::Mask { p: 0.99, patch: 1 },
    ] {
        let text = noise.to_string();
        assert_eq!(text.parse::<Noise>().unwrap(), noise, "{text}");
    }
    assert_eq!(
        "gaussian:2".parse::<Noise>().unwrap(),
        Noise::Gaussian { std: 2.0 }
    );
    assert_eq!(Noise::Mask { p: 0.5, patch: 2 }.to_string(), "mask:0.5:2");
    assert_eq!(Noise::None.to_string(), "none");
}

#[test]
fn bad_noise_strings_are_rejected_with_a_reason() {
    for (text, reason) in [
        ("", "unknown kind"),
        ("blur:1", "unknown kind"),
        ("gaussian", "number of"),
        ("gaussian:abc", "not a finite number"),
        ("gaussian:-1", ">= 0"),
        ("gaussian:inf", "not a finite number"),
        ("mask:0.5", "number of"),
        ("mask:1:2", "0 <= p < 1"),
        ("mask:0.5:0", "patch >= 1"),
        ("mask:0.5:two", "positive integer"),
        ("none:1", "number of"),
        ("dropmap:12", "49 digits"),
        ("gaussmap:5555x", "other characters"),
    ] {
        let err = text.parse::<Noise>().unwrap_err().to_string();
        assert!(
            err.contains(reason)
                && err.contains(
                    "expected none, gaussian:S, mask:P:K, dropmap:<49 digits> or gaussmap:<49 digits>"
                ),
            "'{text}': {err}"
        );
    }
}

#[test]
fn noise_model_serialises_as_tagged_plain_data() {
    let json = serde_json::to_string(&Noise::Mask { p: 0.5, patch: 2 }).unwrap();
    assert_eq!(json, r#"{"kind":"mask","p":0.5,"patch":2}"#);
    let back: Noise = serde_json::from_str(&json).unwrap();
    assert_eq!(back, Noise::Mask { p: 0.5, patch: 2 });
}

#[test]
fn paper_sweep_uses_linspace_0_to_0_99_and_patches_1_2_4() {
    let config = recon_align::spectral::SweepConfig::default();
    assert_eq!(config.patches, vec![1, 2, 4]);
    assert_eq!(config.probabilities.len(), 10);
    for (i, p) in config.probabilities.iter().enumerate() {
        assert!((p - 0.99 * i as f64 / 9.0).abs() < 1e-15);
    }
    let printed: Vec<String> = config
        .probabilities
        .iter()
        .map(|&p| Noise::Mask { p, patch: 1 }.to_string())
        .collect();
    assert_eq!(printed[3], "mask:0.33:1");
    assert_eq!(printed[9], "mask:0.99:1");
}
