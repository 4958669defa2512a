//! The designed noise maps (`dropmap:`, `gaussmap:`) in closed form, against independent
//! computations: the uniform noises they generalise, Monte-Carlo moments drawn in the test from
//! the maps' definition, gradient descent on the expected loss, and the label-free test.

mod spectral_support;

use recon_align::spectral::{
    alignment_curve, never_beneficial, Gram, Noise, NoiseMap, Pencil, SplitMix64,
    DEFAULT_SUBSPACE_TOLERANCE, MAP_CELLS,
};
use spectral_support::moments::{
    assert_gradient_descent_attains_the_closed_form, monte_carlo_moments, worst_deviation,
};
use spectral_support::*;

fn full_rank_gram(data: &recon_align::dataset::Dataset) -> Gram {
    let rows: Vec<usize> = (0..data.n).collect();
    Gram::from_rows(data, &rows, 0.0).unwrap()
}

/// A map from its 49 digits.
fn map(digits: &str) -> NoiseMap {
    digits.parse().unwrap()
}

/// Level 0 but in the given (cell, level) pairs.
fn map_with(cells: &[(usize, u8)]) -> NoiseMap {
    let mut levels = [0u8; MAP_CELLS];
    for &(cell, level) in cells {
        levels[cell] = level;
    }
    NoiseMap::new(levels).unwrap()
}

/// A map whose levels vary over all of 0..=9 and every cell.
fn varied_map(seed: u64) -> NoiseMap {
    let mut rng = SplitMix64::new(seed);
    let mut levels = [0u8; MAP_CELLS];
    for (i, l) in levels.iter_mut().enumerate() {
        *l = ((i as u64 * 7 + (rng.next_f64() * 3.0) as u64) % 10) as u8;
    }
    NoiseMap::new(levels).unwrap()
}

/// Level / 10 of pixel i of a channel-major (C, H, W) image, from the grid's definition: pixel
/// (r, c) lies in cell (floor(7r/H), floor(7c/W)), cells read row by row.
fn level_of(map: &NoiseMap, shape: (usize, usize, usize), i: usize) -> f64 {
    let (_, h, w) = shape;
    let (r, c) = ((i % (h * w)) / w, i % w);
    let cell = (7 * r / h) * 7 + (7 * c / w);
    f64::from(map.levels()[cell]) / 10.0
}

/// C = sum E[x~] x^T and B = sum E[x~ x~^T] of a map, worked out here from X: a drop map keeps
/// each pixel (all channels together) with probability 1 - d_i; a Gaussian map adds N(0, s_i^2).
fn explicit_moments(
    x: &[f64],
    n: usize,
    shape: (usize, usize, usize),
    noise: Noise,
) -> (Vec<f64>, Vec<f64>) {
    let d = shape.0 * shape.1 * shape.2;
    let plane = shape.1 * shape.2;
    let g = matmul(&transpose(x, n, d), x, d, n, d);
    match noise {
        Noise::DropMap { map } => {
            let keep: Vec<f64> = (0..d).map(|i| 1.0 - level_of(&map, shape, i)).collect();
            let c = (0..d * d).map(|k| keep[k / d] * g[k]).collect();
            let b = (0..d * d)
                .map(|k| {
                    let (i, j) = (k / d, k % d);
                    let both = if i % plane == j % plane {
                        keep[i]
                    } else {
                        keep[i] * keep[j]
                    };
                    g[k] * both
                })
                .collect();
            (c, b)
        }
        Noise::GaussMap { map } => {
            let b = (0..d * d)
                .map(|k| {
                    let (i, j) = (k / d, k % d);
                    let s = level_of(&map, shape, i);
                    g[k] + if i == j { n as f64 * s * s } else { 0.0 }
                })
                .collect();
            (g, b)
        }
        _ => unreachable!("maps only"),
    }
}

#[test]
fn uniform_maps_are_the_uniform_noises_bit_for_bit() {
    // Two channels and a shape that does not divide by 7.
    let data = synthetic(90, (2, 5, 6), 3, false, 21);
    let gram = full_rank_gram(&data);
    for level in 0..=9u8 {
        let uniform = NoiseMap::uniform(level);
        for (designed, plain) in [
            (Noise::DropMap { map: uniform }, format!("mask:0.{level}:1")),
            (
                Noise::GaussMap { map: uniform },
                format!("gaussian:0.{level}"),
            ),
        ] {
            let plain: Noise = plain.parse().unwrap();
            let a = Pencil::new(&gram, &designed).unwrap();
            let b = Pencil::new(&gram, &plain).unwrap();
            assert_eq!(a.cross, b.cross, "{designed} vs {plain}: C");
            assert_eq!(a.b, b.b, "{designed} vs {plain}: B");
            let (ca, cb) = (
                alignment_curve(&gram, &designed).unwrap(),
                alignment_curve(&gram, &plain).unwrap(),
            );
            assert_eq!(ca.alignment, cb.alignment, "{designed} vs {plain}");
        }
    }
    // A map that is not uniform gives another pencil.
    let one_cell = map(&format!("5{}", "0".repeat(48)));
    let a = Pencil::new(&gram, &Noise::DropMap { map: one_cell }).unwrap();
    let none = Pencil::new(&gram, &Noise::None).unwrap();
    assert!(max_abs_diff(&row_major(a.b()), &row_major(none.b())) > 1e-3);
}

#[test]
fn map_pencils_match_monte_carlo_noise() {
    // Two channels, 3 x 3 pixels: every pixel its own cell, channels share it.
    let shape = (2, 3, 3);
    let data = synthetic(20, shape, 2, false, 22);
    let (n, d) = (data.n, data.d());
    let plane = shape.1 * shape.2;
    let x = explicit_x(&data);
    let gram = full_rank_gram(&data);
    let samples = 4000;
    let mut rng = SplitMix64::new(23);
    let designed = varied_map(24);
    for noise in [
        Noise::DropMap { map: designed },
        Noise::GaussMap { map: designed },
    ] {
        let pencil = Pencil::new(&gram, &noise).unwrap();
        let (cross, second) = monte_carlo_moments(&x, n, d, samples, |xi, noisy| match noise {
            Noise::DropMap { map } => {
                let kept: Vec<bool> = (0..plane)
                    .map(|j| rng.next_f64() >= level_of(&map, shape, j))
                    .collect();
                for j in 0..d {
                    noisy[j] = if kept[j % plane] { xi[j] } else { 0.0 };
                }
            }
            Noise::GaussMap { map } => {
                for j in 0..d {
                    noisy[j] = xi[j] + level_of(&map, shape, j) * rng.next_normal();
                }
            }
            _ => unreachable!(),
        });
        for (stats, exact, what) in [
            (&cross, row_major(pencil.cross.as_ref()), "C"),
            (&second, row_major(pencil.b()), "B"),
        ] {
            let worst = worst_deviation(stats, &exact);
            eprintln!(
                "{noise}: {what} worst |MC - closed form| / (6 standard errors) = {worst:.3}"
            );
            assert!(worst < 1.0, "{noise}: {what} disagrees with Monte-Carlo");
        }
        // The test can tell: the same map read as a uniform noise of its mean level is far off.
        let mean_level = designed.levels().iter().map(|&l| f64::from(l)).sum::<f64>() / 490.0;
        let uniform: Noise = match noise {
            Noise::DropMap { .. } => format!("mask:{mean_level}:1"),
            _ => format!("gaussian:{mean_level}"),
        }
        .parse()
        .unwrap();
        let wrong = row_major(Pencil::new(&gram, &uniform).unwrap().b());
        let worst = worst_deviation(&second, &wrong);
        assert!(
            worst > 3.0,
            "{noise}: Monte-Carlo cannot tell the map from {uniform}"
        );
    }
}

#[test]
fn map_closed_forms_match_gradient_descent() {
    let shape = (1, 2, 4);
    let data = synthetic(80, shape, 2, false, 25);
    let n = data.n;
    let x = explicit_x(&data);
    let gram = full_rank_gram(&data);
    // 2 x 4 pixels fall in cells (0 or 3, 0/1/3/5): a level for each pixel, 0 and 9 included.
    let designed = map_with(&[
        (0, 9),
        (1, 1),
        (3, 7),
        (5, 5),
        (21, 3),
        (22, 8),
        (24, 0),
        (26, 4),
    ]);
    for noise in [
        Noise::DropMap { map: designed },
        Noise::GaussMap { map: designed },
    ] {
        for k in [1, 3] {
            let (c, b) = explicit_moments(&x, n, shape, noise);
            assert_gradient_descent_attains_the_closed_form(&gram, &noise, k, (&c, &b));
        }
    }
}

#[test]
fn a_gaussian_map_turns_the_subspace_and_a_uniform_one_does_not() {
    let Some(data) = bundled("mnist", "a_gaussian_map_turns_the_subspace") else {
        return;
    };
    let gram = Gram::from_dataset(&data).unwrap();
    // Level 9 in the 3 x 3 centre cells, 0 elsewhere.
    let centre = map_with(&[
        (16, 9),
        (17, 9),
        (18, 9),
        (23, 9),
        (24, 9),
        (25, 9),
        (30, 9),
        (31, 9),
        (32, 9),
    ]);
    for (noise, never) in [
        (
            Noise::GaussMap {
                map: NoiseMap::uniform(5),
            },
            true,
        ),
        (Noise::GaussMap { map: centre }, false),
    ] {
        let r = never_beneficial(&gram, &noise, DEFAULT_SUBSPACE_TOLERANCE).unwrap();
        let largest = r.max_angle_deg[31];
        eprintln!(
            "{noise}: {}, largest angle at K=32 {largest:.3e} deg",
            r.verdict
        );
        assert_eq!(r.never_beneficial, never, "{noise}: {}", r.verdict);
        if !never {
            assert!(
                largest > 1.0,
                "{noise}: the subspace turns at K=32 ({largest} deg)"
            );
        }
    }
}
