//! `--noise dropmap:<49 digits>` and `--noise gaussmap:<49 digits>` on every command that takes a
//! noise, the uniform maps equal to the uniform noises, and clear messages for bad maps.

mod cli_support;

use std::path::PathBuf;

use cli_support::recon_align;

use serde_json::Value;

fn json_lines(args: &[&str]) -> Vec<Value> {
    let out = recon_align(args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{args:?} failed: {err}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{args:?}: {e}: {l}")))
        .collect()
}

/// 240 images of 7 x 7 pixels (each pixel its own map cell), 3 classes, as IDX files.
fn idx_dir() -> PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("recon-align-noise-maps-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (n, side) = (240u32, 7u32);
        let mut images = vec![0, 0, 8, 3];
        for v in [n, side, side] {
            images.extend_from_slice(&v.to_be_bytes());
        }
        let mut labels = vec![0, 0, 8, 1];
        labels.extend_from_slice(&n.to_be_bytes());
        let mut state = 777u32;
        for i in 0..n {
            let label = (i % 3) as u8;
            labels.push(label);
            for j in 0..side * side {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                let signal = if j % 3 == u32::from(label) { 90 } else { 0 };
                images.push((state >> 25) as u8 + signal);
            }
        }
        std::fs::write(dir.join("train-images-idx3-ubyte"), images).unwrap();
        std::fs::write(dir.join("train-labels-idx1-ubyte"), labels).unwrap();
        dir
    })
    .clone()
}

const CENTRE: &str = "0000000000000000999000099900009990000000000000000";

#[test]
fn every_command_with_a_noise_takes_maps() {
    let dir = idx_dir();
    let data = dir.to_str().unwrap();
    for noise in [format!("dropmap:{CENTRE}"), format!("gaussmap:{CENTRE}")] {
        let noise = noise.as_str();
        let align = &json_lines(&["align", "--data", data, "--noise", noise, "--json"])[0];
        assert_eq!(align["noise"], noise);
        assert_eq!(align["alignment"].as_array().unwrap().len(), 49);
        let dae = &json_lines(&[
            "dae", "--data", data, "--noise", noise, "--k", "5", "--json",
        ])[0];
        assert_eq!(dae["noise"], noise);
        let never = &json_lines(&[
            "never-beneficial",
            "--data",
            data,
            "--noise",
            noise,
            "--json",
        ])[0];
        let never = &never["reports"][0];
        assert_eq!(never["noise"], noise);
        assert_eq!(
            never["never_beneficial"], false,
            "a centre map turns the subspace"
        );
        let epochs = json_lines(&[
            "train",
            "--data",
            data,
            "--noise",
            noise,
            "--k",
            "4",
            "--epochs",
            "2",
            "--batch",
            "40",
            "--backend",
            "cpu",
            "--json",
        ]);
        assert_eq!(epochs.len(), 2, "{noise}: one line per epoch");
    }
}

#[test]
fn uniform_maps_print_what_the_uniform_noises_print() {
    let dir = idx_dir();
    let data = dir.to_str().unwrap();
    let threes = "3".repeat(49);
    for (map, plain) in [
        (format!("dropmap:{threes}"), "mask:0.3:1"),
        (format!("gaussmap:{threes}"), "gaussian:0.3"),
    ] {
        let a = &json_lines(&["align", "--data", data, "--noise", &map, "--json"])[0];
        let b = &json_lines(&["align", "--data", data, "--noise", plain, "--json"])[0];
        assert_eq!(a["alignment"], b["alignment"], "{map} vs {plain}");
        assert_eq!(a["mu"], b["mu"], "{map} vs {plain}");
    }
}

#[test]
fn bad_maps_fail_with_a_clear_message() {
    let dir = idx_dir();
    let data = dir.to_str().unwrap();
    for (noise, message) in [
        ("dropmap:123", "49 digits"),
        ("gaussmap:", "49 digits"),
        (&*format!("dropmap:{}x", "1".repeat(48)), "other characters"),
        ("dropmap", "wrong number of ':'-separated fields"),
    ] {
        let out = recon_align(&["align", "--data", data, "--noise", noise]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{noise}: {err}");
        assert!(err.contains(message), "{noise}: stderr was {err}");
        assert!(
            err.contains("dropmap:<49 digits>"),
            "{noise}: names the specs: {err}"
        );
    }
}
